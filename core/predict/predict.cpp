#include "core/predict/predict.h"

#include <iostream>

#include "core/data/csv_writer.h"
#include "core/predict/bundle.h"
#include "core/sequences/build_sequences.h"

#include <cmath>
#include "core/steps/flow.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace mlpipe {

PredictSummary predict_file(const std::filesystem::path& bundle, const std::filesystem::path& data,
                            const std::filesystem::path& out) {
  LoadedBundle b = load_bundle(bundle);
  PreparedData prepared = prepare_for_prediction(data, b.preprocess);
  Frame f;
  f.table = std::move(prepared.table);
  std::vector<uint32_t> rows;
  std::vector<double> scores;
  if (b.manifest.value("sequence", false)) {
    // One score per event, from the window of its entity's events at or before it.
    SequenceSet s = build_sequences(f, b.preprocess.at("sequences"), /*need_targets=*/false);
    std::vector<uint32_t> samples(s.n);
    for (size_t i = 0; i < s.n; ++i) samples[i] = uint32_t(i);
    std::vector<double> by_sample = b.model->predict_sequences(s, samples);
    std::vector<double> by_row(f.table.rows(), std::nan(""));
    for (size_t i = 0; i < s.n; ++i) by_row[size_t(s.rows[i])] = by_sample[i];
    rows = f.rows_of(Split::kTrain);
    scores = by_row;
  } else {
    std::vector<std::string> features = b.manifest["features"].get<std::vector<std::string>>();
    rows = f.rows_of(Split::kTrain);  // no split: every row
    FeatureMatrix x = build_matrix(f, features, rows);
    scores = b.model->predict(x);
  }

  std::string id = b.manifest.value("id", "");
  const Column* idcol = !id.empty() && f.table.find(id) >= 0 ? &f.table.at(id) : nullptr;
  CsvWriter w({idcol ? id : "row", "score"});
  for (size_t r = 0; r < rows.size(); ++r)
    w.row({idcol ? idcol->text(r) : std::to_string(r + 1), format_double(scores[r])});
  if (out.empty()) {
    std::cout << w.text();
  } else {
    w.save(out);
  }
  return {rows.size(), prepared.unseen_categories};
}

}  // namespace mlpipe
