#include "core/data/label.h"

#include <charconv>
#include <cmath>
#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "core/util/error.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {

LabelSpec label_spec(const json& label) {
  if (label.is_string()) return {label.get<std::string>(), json(), json()};
  if (label.is_object()) return {label.value("column", ""), label.value("positive", json()), label.value("classes", json())};
  return {};
}

namespace {
std::string text_of(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return format_double(v.get<double>());
}
}  // namespace

LabelCounts binarize_label(Column& col, const json& positive, const std::string& where, bool require_positive) {
  LabelCounts n;
  std::vector<double> y(col.size(), std::numeric_limits<double>::quiet_NaN());
  if (col.type == ColumnType::kCategorical) {
    std::string want = text_of(positive);
    int32_t code = -1;
    for (size_t k = 0; k < col.dict.size(); ++k)
      if (col.dict[k] == want) code = int32_t(k);
    for (size_t r = 0; r < col.codes.size(); ++r) {
      if (col.codes[r] < 0) ++n.missing;
      else y[r] = col.codes[r] == code ? (++n.positive, 1.0) : (++n.negative, 0.0);
    }
    if (n.positive == 0 && require_positive) {
      std::vector<std::string> seen(col.dict.begin(), col.dict.begin() + std::min<size_t>(col.dict.size(), 8));
      throw StepError(where + ": label column '" + col.name + "' has no row with the positive value '" + want +
                      "'" + did_you_mean(want, col.dict) + "; its values include " + join(seen, ", "));
    }
  } else {
    double want = 0;
    bool numeric = positive.is_number();
    if (numeric) want = positive.get<double>();
    else if (positive.is_string()) {
      const std::string& s = positive.get_ref<const std::string&>();
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), want);
      numeric = ec == std::errc() && p == s.data() + s.size();
    }
    if (!numeric && !require_positive) numeric = true, want = std::numeric_limits<double>::quiet_NaN();
    if (!numeric)
      throw StepError(where + ": label column '" + col.name + "' holds numbers, but positive: " + text_of(positive) +
                      " is not a number");
    for (size_t r = 0; r < col.size(); ++r) {
      if (double x = col.value(r); std::isnan(x)) ++n.missing;
      else y[r] = x == want ? (++n.positive, 1.0) : (++n.negative, 0.0);
    }
    if (n.positive == 0 && require_positive)
      throw StepError(where + ": label column '" + col.name + "' has no row equal to the positive value " +
                      format_double(want));
  }
  Column out;
  out.name = col.name;
  out.type = ColumnType::kNumeric;
  out.num = std::move(y);
  col = std::move(out);
  return n;
}

std::vector<std::string> encode_classes(Column& col, const json& classes, const std::string& where,
                                        std::vector<size_t>* counts, bool strict) {
  std::vector<std::string> text(col.size());
  std::vector<char> present(col.size(), 0);
  for (size_t r = 0; r < col.size(); ++r)
    if (!col.missing(r)) {
      text[r] = col.text(r);
      present[r] = 1;
    }
  std::vector<std::string> names;
  if (classes.is_array()) {
    for (const auto& c : classes) names.push_back(text_of(c));
  } else {  // auto: the distinct values, in numeric order when they all are numbers
    std::set<std::string> seen;
    for (size_t r = 0; r < text.size(); ++r)
      if (present[r]) seen.insert(text[r]);
    names.assign(seen.begin(), seen.end());
    if (!col.coded())
      std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) { return std::stod(a) < std::stod(b); });
  }
  std::map<std::string, size_t> index;
  for (size_t k = 0; k < names.size(); ++k) index[names[k]] = k;
  std::vector<double> y(col.size(), std::numeric_limits<double>::quiet_NaN());
  std::vector<size_t> n(names.size(), 0);
  for (size_t r = 0; r < text.size(); ++r) {
    if (!present[r]) continue;
    auto it = index.find(text[r]);
    if (it == index.end()) {
      if (!strict) continue;
      throw StepError(where + ": label column '" + col.name + "' holds '" + text[r] + "' (row " + std::to_string(r + 1) +
                      " of the data), which is not among classes: " + join(names, ", ") + did_you_mean(text[r], names));
    }
    y[r] = double(it->second);
    ++n[it->second];
  }
  if (strict && names.size() < 2)
    throw StepError(where + ": label column '" + col.name + "' has " + std::to_string(names.size()) +
                    " class(es); a multi-class model needs at least 2");
  Column out;
  out.name = col.name;
  out.type = ColumnType::kNumeric;
  out.num = std::move(y);
  col = std::move(out);
  if (counts) *counts = n;
  return names;
}

}  // namespace mlpipe
