#include "core/predict/explain.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/flow/sequence_set.h"
#include "core/util/error.h"

using nlohmann::json;

namespace mlpipe {

std::vector<std::string> reason_columns(const json& transforms, const std::vector<std::string>& features) {
  std::map<std::string, std::string> origin;  // derived column -> the column it is credited to
  auto origin_of = [&](const std::string& c) {
    auto it = origin.find(c);
    return it == origin.end() ? c : it->second;
  };
  if (transforms.is_array())
    for (const auto& f : transforms) {
      std::string op = f.value("op", "");
      if (op == "one_hot") {
        for (const auto& spec : f["columns"]) {
          std::string col = spec["column"].get<std::string>();
          std::string to = origin_of(col);
          for (const auto& cat : spec["categories"]) origin[col + "=" + cat.get<std::string>()] = to;
        }
      } else if (op == "time_parts") {
        std::string col = f["time"].get<std::string>();
        std::string to = origin_of(col);
        for (const auto& part : f["parts"]) origin[col + "_" + part.get<std::string>()] = to;
      } else if (op == "ratio") {
        origin.erase(f["name"].get<std::string>());  // a new column under the user's name
      }
    }
  std::vector<std::string> out;
  out.reserve(features.size());
  for (const auto& name : features) out.push_back(origin_of(name));
  return out;
}

Explanation explain_rows(const Model& m, const FeatureMatrix& x, const std::vector<std::string>& reasons,
                         const std::vector<size_t>* class_of_row) {
  if (reasons.size() != x.cols)
    throw StepError("reason codes: " + std::to_string(reasons.size()) + " reason columns for " + std::to_string(x.cols) + " features");
  Explanation e;
  e.rows = x.rows;
  std::map<std::string, size_t> index;
  std::vector<size_t> slot(x.cols);
  for (size_t j = 0; j < x.cols; ++j) {
    auto [it, added] = index.emplace(reasons[j], e.columns.size());
    if (added) e.columns.push_back(reasons[j]);
    slot[j] = it->second;
  }
  size_t classes = std::max<size_t>(1, m.classes());
  if (classes > 1 && (!class_of_row || class_of_row->size() != x.rows))
    throw StepError("reason codes of a multi-class model need the class each row is explained for");
  std::vector<double> contrib = m.contributions(x);
  std::vector<double> margin = m.margins(x);
  size_t width = x.cols + 1;
  e.values.assign(x.rows * e.columns.size(), 0.0);
  e.bias.resize(x.rows);
  e.margin.resize(x.rows);
  for (size_t r = 0; r < x.rows; ++r) {
    size_t c = classes > 1 ? (*class_of_row)[r] : 0;
    const double* row = contrib.data() + (r * classes + c) * width;
    double* out = e.values.data() + r * e.columns.size();
    for (size_t j = 0; j < x.cols; ++j) out[slot[j]] += row[j];
    e.bias[r] = row[x.cols];
    e.margin[r] = margin[r * classes + c];
  }
  return e;
}

namespace {
// The reason columns' slots and names for per-input reasons.
std::vector<size_t> slots_of(const std::vector<std::string>& reasons, std::vector<std::string>& columns) {
  std::map<std::string, size_t> index;
  std::vector<size_t> slot(reasons.size());
  for (size_t j = 0; j < reasons.size(); ++j) {
    auto it = index.find(reasons[j]);
    if (it == index.end()) {
      it = index.emplace(reasons[j], columns.size()).first;
      columns.push_back(reasons[j]);
    }
    slot[j] = it->second;
  }
  return slot;
}
}  // namespace

std::vector<std::string> sequence_inputs(const SequenceSet& s) {
  std::vector<std::string> out = s.numeric_names;
  out.insert(out.end(), s.categorical_names.begin(), s.categorical_names.end());
  return out;
}

Explanation explain_sequence_samples(const Model& m, const SequenceSet& s, const std::vector<uint32_t>& samples,
                                     const std::vector<std::string>& reasons) {
  size_t inputs = s.features() + s.categoricals();
  if (reasons.size() != inputs)
    throw StepError("reason codes: " + std::to_string(reasons.size()) + " reason columns for " + std::to_string(inputs) + " inputs");
  Explanation e;
  e.rows = samples.size();
  std::vector<size_t> slot = slots_of(reasons, e.columns);
  std::vector<double> attr = m.sequence_contributions(s, samples);
  size_t width = inputs + 2;
  e.values.assign(e.rows * e.columns.size(), 0.0);
  for (size_t r = 0; r < e.rows; ++r) {
    const double* row = attr.data() + r * width;
    for (size_t j = 0; j < inputs; ++j) e.values[r * e.columns.size() + slot[j]] += row[j];
    e.bias.push_back(row[inputs]);
    e.margin.push_back(row[inputs + 1]);
  }
  return e;
}

std::vector<Reason> top_reasons(const Explanation& e, size_t r, size_t k) {
  size_t n = e.columns.size();
  const double* v = e.values.data() + r * n;
  std::vector<size_t> order;
  for (size_t j = 0; j < n; ++j)
    if (v[j] > 0) order.push_back(j);
  // Largest first; ties in column order, so the reasons are deterministic.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] > v[b]; });
  if (order.size() > k) order.resize(k);
  std::vector<Reason> out;
  for (size_t j : order) out.push_back({e.columns[j], v[j]});
  return out;
}

std::vector<double> mean_abs_contributions(const Explanation& e) {
  size_t n = e.columns.size();
  std::vector<double> out(n, 0.0);
  if (e.rows == 0) return out;
  for (size_t r = 0; r < e.rows; ++r)
    for (size_t j = 0; j < n; ++j) out[j] += std::fabs(e.values[r * n + j]);
  for (double& v : out) v /= double(e.rows);
  return out;
}

}  // namespace mlpipe
