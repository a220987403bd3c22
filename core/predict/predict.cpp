#include "core/predict/predict.h"

#include <iostream>

#include "core/data/csv_writer.h"
#include "core/predict/bundle.h"
#include "core/sequences/build_sequences.h"

#include <cmath>
#include "core/flow/flow.h"
#include "core/metrics/metrics.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace mlpipe {

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
  if (ids) {
    std::string id = b.manifest.value("id", "");
    ids->clear();
    if (!id.empty() && f.table.find(id) >= 0)
      for (size_t r = 0; r < rows.size(); ++r) ids->push_back(f.table.at(id).text(r));
  }
  return scores;
}

PredictSummary predict_file(const std::filesystem::path& bundle, const std::filesystem::path& data,
                            const std::filesystem::path& out) {
  LoadedBundle b = load_bundle(bundle);
  size_t unseen = 0;
  std::vector<std::string> ids;
  std::vector<double> scores = score_csv(b, data, &unseen, &ids);
  std::string id = b.manifest.value("id", "");
  std::vector<std::string> classes = b.manifest.value("classes", std::vector<std::string>{});
  size_t k = classes.size();
  std::vector<std::string> header = {ids.empty() ? "row" : id};
  if (k) {  // a multi-class model: the most probable class, then each class's probability
    header.push_back("class");
    for (const auto& c : classes) header.push_back("score_" + c);
  } else {
    header.push_back("score");
  }
  CsvWriter w(header);
  size_t n = k ? scores.size() / k : scores.size();
  std::vector<size_t> predicted = k ? predicted_classes(scores, k) : std::vector<size_t>{};
  for (size_t r = 0; r < n; ++r) {
    std::vector<std::string> row = {ids.empty() ? std::to_string(r + 1) : ids[r]};
    if (k) {
      row.push_back(classes[predicted[r]]);
      for (size_t c = 0; c < k; ++c) row.push_back(format_double(scores[r * k + c]));
    } else {
      row.push_back(format_double(scores[r]));
    }
    w.row(row);
  }
  if (out.empty()) {
    std::cout << w.text();
  } else {
    write_output(out, w.text());
  }
  return {n, unseen};
}

}  // namespace mlpipe
