#include "trainers/xgboost/named_constraints.h"

#include <algorithm>

#include "core/config/schema.h"
#include "core/util/error.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe::xgb {
namespace {

// The features a column name stands for: itself, or the columns one_hot made of it.
std::vector<size_t> features_of(const std::string& name, const std::vector<std::string>& features, const char* key) {
  std::vector<size_t> out;
  for (size_t j = 0; j < features.size(); ++j)
    if (features[j] == name) return {j};
  for (size_t j = 0; j < features.size(); ++j)
    if (starts_with(features[j], name + "=")) out.push_back(j);
  if (out.empty())
    throw StepError(std::string(key) + ": '" + name + "' is not one of the model's features" + did_you_mean(name, features) +
                    " (after the transforms; features: " + join(features, ", ") + ")");
  return out;
}

}  // namespace

const std::vector<std::string>& monotone_directions() {
  static const std::vector<std::string> d = {"increasing", "decreasing"};
  return d;
}

std::string monotone_constraints(const json& monotone, const std::vector<std::string>& features) {
  std::vector<int> dir(features.size(), 0);
  for (const auto& [name, how] : monotone.items()) {
    std::vector<size_t> js = features_of(name, features, "monotone");
    if (js.size() > 1)
      throw StepError("monotone: '" + name + "' is one-hot encoded into " + std::to_string(js.size()) +
                      " columns; a monotone constraint needs one numeric feature (leave it out of one_hot)");
    std::string h = how.is_string() ? how.get<std::string>() : "";
    if (h != "increasing" && h != "decreasing")
      throw StepError("monotone: '" + name + "' must be increasing or decreasing, got " + describe(how));
    dir[js[0]] = h == "increasing" ? 1 : -1;
  }
  std::string out = "(";
  for (size_t j = 0; j < dir.size(); ++j) out += (j ? "," : "") + std::to_string(dir[j]);
  return out + ")";
}

std::string interaction_constraints(const json& groups, const std::vector<std::string>& features) {
  std::string out = "[";
  for (size_t g = 0; g < groups.size(); ++g) {
    std::vector<size_t> idx;
    for (const auto& name : groups[g])
      for (size_t j : features_of(name.get<std::string>(), features, "interactions"))
        if (std::find(idx.begin(), idx.end(), j) == idx.end()) idx.push_back(j);
    std::sort(idx.begin(), idx.end());
    out += g ? ",[" : "[";
    for (size_t i = 0; i < idx.size(); ++i) out += (i ? "," : "") + std::to_string(idx[i]);
    out += "]";
  }
  return out + "]";
}

}  // namespace mlpipe::xgb
