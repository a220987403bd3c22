#include "core/flow/flow.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace mlpipe {

const std::vector<std::string>& split_names() {
  static const std::vector<std::string> n = {"train", "valid", "test"};
  return n;
}

Split split_from_name(const std::string& name) {
  for (size_t i = 0; i < split_names().size(); ++i)
    if (split_names()[i] == name) return Split(i);
  throw StepError("unknown split '" + name + "'" + did_you_mean(name, split_names()) +
                  "; splits are train, valid, test");
}

std::vector<uint32_t> Frame::rows_of(Split s) const {
  std::vector<uint32_t> out;
  if (split.empty()) {
    out.resize(table.rows());
    for (size_t i = 0; i < out.size(); ++i) out[i] = uint32_t(i);
    return out;
  }
  for (size_t i = 0; i < split.size(); ++i)
    if (split[i] == uint8_t(s)) out.push_back(uint32_t(i));
  return out;
}

std::vector<std::string> Frame::feature_names() const {
  std::vector<std::string> out;
  for (const auto& c : table.columns())
    if (c.name != label && c.name != id && c.name != weight && c.type != ColumnType::kDatetime &&
        std::find(not_features.begin(), not_features.end(), c.name) == not_features.end())
      out.push_back(c.name);
  return out;
}

void Flow::fill_from(const Flow& o) {
  if (!frame) frame = o.frame;
  if (!preprocess) preprocess = o.preprocess;
  if (!model) model = o.model;
  if (!evaluation) evaluation = o.evaluation;
  if (!sequences) sequences = o.sequences;
}

FeatureMatrix build_matrix(const Frame& f, const std::vector<std::string>& features,
                           const std::vector<uint32_t>& rows) {
  FeatureMatrix m = matrix_source(f, features, rows);
  m.materialise();
  m.fill = nullptr;
  return m;
}

FeatureMatrix matrix_source(const Frame& f, const std::vector<std::string>& features, std::vector<uint32_t> rows) {
  FeatureMatrix m;
  m.rows = rows.size();
  m.cols = features.size();
  m.names = features;
  std::vector<const Column*> cols;
  for (const auto& name : features) cols.push_back(&f.table.at(name, "features"));  // a missing one fails here
  // XGBoost's quantile DMatrix reads the batches several times: a loop per column and storage,
  // over blocks of rows whose output stays in cache (as_double per value was 4 ns a value).
  m.fill = [cols, rows = std::move(rows)](size_t begin, size_t end, float* out) {
    const size_t width = cols.size();
    constexpr size_t kBlock = 1024;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    for (size_t lo = begin; lo < end; lo += kBlock) {
      const size_t hi = std::min(end, lo + kBlock);
      for (size_t c = 0; c < width; ++c) {
        const Column& col = *cols[c];
        float* o = out + (lo - begin) * width + c;
        if (col.coded()) {
          const int32_t* v = col.codes.data();
          for (size_t r = lo; r < hi; ++r, o += width) *o = v[rows[r]] < 0 ? nan : static_cast<float>(v[rows[r]]);
        } else if (col.f32) {
          const float* v = col.num32.data();
          for (size_t r = lo; r < hi; ++r, o += width) *o = v[rows[r]];
        } else {
          const double* v = col.num.data();
          for (size_t r = lo; r < hi; ++r, o += width) *o = static_cast<float>(v[rows[r]]);
        }
      }
    }
  };
  return m;
}

std::vector<float> label_values(const Frame& f, const std::vector<uint32_t>& rows) {
  if (f.label.empty()) throw StepError("the data has no label column (set `label:` in ingest)");
  const Column& col = f.table.at(f.label, "label");
  std::vector<float> y(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    double v = col.as_double(rows[r]);
    if (!std::isfinite(v))
      throw StepError("label '" + f.label + "' is missing or not finite in row " +
                      std::to_string(rows[r] + 1) + " of the data" +
                      (std::isnan(v) ? "; to learn from labelled rows only, add where: \"" + f.label +
                                           " is not null\" to the ingest step"
                                     : std::string()));
    y[r] = static_cast<float>(v);
  }
  return y;
}

std::vector<double> weight_values(const Frame& f, const std::vector<uint32_t>& rows) {
  if (f.weight.empty()) return {};
  const Column& col = f.table.at(f.weight, "weight");
  std::vector<double> w(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    double v = col.as_double(rows[r]);
    if (!std::isfinite(v) || v < 0)
      throw StepError("weight '" + f.weight + "' is " + (std::isnan(v) ? std::string("missing") : "'" + format_double(v) + "'") +
                      " in row " + std::to_string(rows[r] + 1) + " of the data; weights must be numbers >= 0");
    w[r] = v;
  }
  return w;
}

void check_binary_labels(const Frame& f, const std::vector<uint32_t>& rows, const std::vector<float>& y,
                         const std::string& where) {
  for (size_t i = 0; i < y.size(); ++i)
    if (y[i] != 0.0f && y[i] != 1.0f)
      throw StepError(where + ": label '" + f.label + "' is " + format_double(double(y[i])) + " in row " +
                      std::to_string(rows[i] + 1) + " of the data; a binary model needs 0 or 1 (for another coding, "
                      "say which value is positive on the ingest step: label: {column: " + f.label + ", positive: VALUE})");
}

}  // namespace mlpipe
