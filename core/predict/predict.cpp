#include "core/predict/predict.h"

#include <iostream>

#include "core/data/csv_writer.h"
#include "core/predict/bundle.h"
#include "core/predict/explain.h"
#include "core/sequences/build_sequences.h"

#include <cmath>
#include "core/flow/flow.h"
#include "core/metrics/metrics.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace mlpipe {

namespace {
// The id column's text of every row, when the bundle has an id and the data holds it.
std::vector<std::string> ids_of(const LoadedBundle& b, const Frame& f) {
  std::vector<std::string> out;
  std::string id = b.manifest.value("id", "");
  if (id.empty() || f.table.find(id) < 0) return out;
  const Column& c = f.table.at(id);
  for (size_t r = 0; r < f.table.rows(); ++r) out.push_back(c.text(r));
  return out;
}
}  // namespace

std::vector<double> score_csv(const LoadedBundle& b, const std::filesystem::path& data, size_t* unseen,
                              std::vector<std::string>* ids) {
  std::vector<std::string> inputs = b.manifest.value("features", std::vector<std::string>{});
  PreparedData prepared = prepare_for_prediction(data, b.preprocess, &inputs);
  if (unseen) *unseen = prepared.unseen_categories;
  return score_prepared(b, std::move(prepared.table), ids);
}

std::vector<double> score_prepared(const LoadedBundle& b, Table table, std::vector<std::string>* ids) {
  Frame f;
  f.table = std::move(table);
  std::vector<uint32_t> rows = f.rows_of(Split::kTrain);  // no split: every row
  std::vector<double> scores;
  if (b.manifest.value("sequence", false)) {
    // One score per event, from the window of its entity's events at or before it.
    SequenceSet s = build_sequences(f, b.preprocess.at("sequences"), /*need_targets=*/false);
    std::vector<uint32_t> samples(s.n);
    for (size_t i = 0; i < s.n; ++i) samples[i] = uint32_t(i);
    std::vector<double> by_sample = b.model->predict_sequences(s, samples);
    scores.assign(f.table.rows(), std::nan(""));
    for (size_t i = 0; i < s.n; ++i) scores[size_t(s.rows[i])] = by_sample[i];
  } else {
    std::vector<std::string> features = b.manifest["features"].get<std::vector<std::string>>();
    FeatureMatrix x = build_matrix(f, features, rows);
    scores = b.model->predict(x);
  }
  if (ids) *ids = ids_of(b, f);
  return scores;
}

namespace {

// The reason columns of a row: K top reasons, or every column's contribution.
void add_explanation_header(std::vector<std::string>& header, const Explanation& e, const PredictOptions& opt,
                            bool texts) {
  if (opt.explain_all) {
    for (const auto& c : e.columns) header.push_back("contribution." + c);
    header.push_back("bias");
    header.push_back("margin");
    return;
  }
  for (size_t i = 1; i <= opt.explain; ++i) {
    header.push_back("reason_" + std::to_string(i));
    if (texts) header.push_back("reason_text_" + std::to_string(i));
    header.push_back("contribution_" + std::to_string(i));
  }
}

void add_explanation_fields(std::vector<std::string>& row, const Explanation& e, size_t r, const PredictOptions& opt,
                            const nlohmann::json* texts) {
  if (std::isnan(e.margin[r])) {  // an event a sequence model has no window for: no score, no reasons
    size_t cells = opt.explain_all ? e.columns.size() + 2 : opt.explain * (texts ? 3 : 2);
    row.insert(row.end(), cells, "");
    return;
  }
  if (opt.explain_all) {
    for (size_t j = 0; j < e.columns.size(); ++j) row.push_back(format_double(e.values[r * e.columns.size() + j]));
    row.push_back(format_double(e.bias[r]));
    row.push_back(format_double(e.margin[r]));
    return;
  }
  std::vector<Reason> reasons = top_reasons(e, r, opt.explain);
  for (size_t i = 0; i < opt.explain; ++i) {
    bool has = i < reasons.size();
    row.push_back(has ? reasons[i].column : "");
    if (texts) row.push_back(has ? texts->value(reasons[i].column, reasons[i].column) : "");
    row.push_back(has ? format_double(reasons[i].contribution) : "");
  }
}

}  // namespace

void check_explainable(const LoadedBundle& b, const PredictOptions& opt) {
  if ((opt.explain > 0 || opt.explain_all) && !b.manifest.value("sequence", false) && !b.model->explains())
    throw ConfigError("--explain: the " + b.model->trainer() + " model gives no per-feature contributions");
}

PreparedData prepare_for_bundle(const LoadedBundle& b, const std::vector<std::filesystem::path>& files) {
  std::vector<std::string> inputs = b.manifest.value("features", std::vector<std::string>{});
  return prepare_for_prediction(files, b.preprocess, &inputs);
}

Scored score_rows(const LoadedBundle& b, PreparedData prepared, const PredictOptions& opt) {
  check_explainable(b, opt);
  Scored out;
  out.unseen_categories = prepared.unseen_categories;
  std::vector<std::string> classes = b.manifest.value("classes", std::vector<std::string>{});
  size_t k = classes.size();
  if (opt.explain > 0 || opt.explain_all) {
    bool sequence = b.manifest.value("sequence", false);
    std::vector<std::string> features = b.manifest["features"].get<std::vector<std::string>>();
    Frame f;
    f.table = std::move(prepared.table);
    std::vector<uint32_t> rows = f.rows_of(Split::kTrain);  // no split: every row
    nlohmann::json transforms = b.preprocess.value("transforms", nlohmann::json::array());
    Explanation& e = out.explanation;
    if (sequence) {  // integrated gradients over each event's window; rows without one stay empty
      SequenceSet s = build_sequences(f, b.preprocess.at("sequences"), /*need_targets=*/false);
      std::vector<uint32_t> samples(s.n);
      for (size_t i = 0; i < s.n; ++i) samples[i] = uint32_t(i);
      std::vector<double> by_sample = b.model->predict_sequences(s, samples);
      Explanation es = explain_sequence_samples(*b.model, s, samples, reason_columns(transforms, sequence_inputs(s)));
      out.scores.assign(rows.size(), std::nan(""));
      e.columns = es.columns;
      e.rows = rows.size();
      e.values.assign(e.rows * e.columns.size(), 0.0);
      e.bias.assign(e.rows, std::nan(""));
      e.margin.assign(e.rows, std::nan(""));
      for (size_t i = 0; i < s.n; ++i) {
        size_t r = size_t(s.rows[i]);
        out.scores[r] = by_sample[i];
        std::copy(es.values.begin() + long(i * es.columns.size()), es.values.begin() + long((i + 1) * es.columns.size()),
                  e.values.begin() + long(r * e.columns.size()));
        e.bias[r] = es.bias[i];
        e.margin[r] = es.margin[i];
      }
    } else {
      FeatureMatrix x = build_matrix(f, features, rows);
      out.scores = b.model->predict(x);
      std::vector<size_t> predicted = k ? predicted_classes(out.scores, k) : std::vector<size_t>{};
      e = explain_rows(*b.model, x, reason_columns(transforms, features), k ? &predicted : nullptr);
    }
    out.ids = ids_of(b, f);
  } else {
    out.scores = score_prepared(b, std::move(prepared.table), &out.ids);
  }
  out.rows = k ? out.scores.size() / k : out.scores.size();
  if (k) out.predicted = predicted_classes(out.scores, k);
  return out;
}

PredictSummary predict_file(const std::filesystem::path& bundle, const std::filesystem::path& data,
                            const std::filesystem::path& out, const PredictOptions& opt) {
  LoadedBundle b = load_bundle(bundle);
  check_explainable(b, opt);
  Scored sc;
  try {
    sc = score_rows(b, prepare_for_bundle(b, {data}), opt);
  } catch (const nlohmann::json::exception& e) {  // hashes can be forged without the store (--verify)
    throw ConfigError(bundle.string() + ": preprocess.json or manifest.json is not as mlpipe writes it (" + e.what() +
                      "); refusing the bundle");
  }
  bool explaining = opt.explain > 0 || opt.explain_all;
  std::vector<std::string> classes = b.manifest.value("classes", std::vector<std::string>{});
  size_t k = classes.size();
  std::string id = b.manifest.value("id", "");
  const nlohmann::json* texts = b.manifest.contains("reason_codes") ? &b.manifest["reason_codes"] : nullptr;
  std::vector<std::string> header = {sc.ids.empty() ? "row" : id};
  if (k) {  // a multi-class model: the most probable class, then each class's probability
    header.push_back("class");
    for (const auto& c : classes) header.push_back("score_" + c);
  } else {
    header.push_back("score");
  }
  if (explaining) add_explanation_header(header, sc.explanation, opt, texts != nullptr);
  CsvWriter w(header);
  for (size_t r = 0; r < sc.rows; ++r) {
    std::vector<std::string> row = {sc.ids.empty() ? std::to_string(r + 1) : sc.ids[r]};
    if (k) {
      row.push_back(classes[sc.predicted[r]]);
      for (size_t c = 0; c < k; ++c) row.push_back(format_double(sc.scores[r * k + c]));
    } else {
      row.push_back(format_double(sc.scores[r]));
    }
    if (explaining) add_explanation_fields(row, sc.explanation, r, opt, texts);
    w.row(row);
  }
  if (out.empty()) {
    std::cout << w.text();
  } else {
    write_output(out, w.text());
  }
  return {sc.rows, sc.unseen_categories};
}

}  // namespace mlpipe
