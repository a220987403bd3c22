#pragma once
// `mlpipe predict`: applies a model bundle to a CSV file.
#include <filesystem>
#include <string>
#include <vector>

#include "core/predict/bundle.h"
#include "core/predict/explain.h"

namespace mlpipe {

struct PredictSummary {
  size_t rows = 0;
  size_t unseen_categories = 0;
};

// The bundle's score for every data row of `csv`, in file order (NaN for an event a sequence
// model has no window for). `ids` receives the id column's text when the bundle has one.
std::vector<double> score_csv(const LoadedBundle& b, const std::filesystem::path& csv,
                              size_t* unseen_categories = nullptr, std::vector<std::string>* ids = nullptr);

// The same for data already read with prepare_for_prediction (the table is consumed).
std::vector<double> score_prepared(const LoadedBundle& b, Table table, std::vector<std::string>* ids = nullptr);

struct PredictOptions {
  size_t explain = 0;        // the K top reasons per row (reason_i, contribution_i); 0: none
  bool explain_all = false;  // every reason column's contribution, the bias and the margin
};

// The scores of prepared rows, as predict and serve give them (one code path for both).
struct Scored {
  std::vector<std::string> ids;  // the id column's text, when the bundle has one and the data holds it
  std::vector<double> scores;    // per row; a multi-class model: classes per row, row-major
  std::vector<size_t> predicted; // a multi-class model: the most probable class of each row
  Explanation explanation;       // with explain or explain_all
  size_t rows = 0, unseen_categories = 0;
};
// Throws ConfigError when reasons are asked of a model that gives none.
void check_explainable(const LoadedBundle& b, const PredictOptions& opt);
// Reads files to score as the bundle's training data was read, needing only the model's columns.
PreparedData prepare_for_bundle(const LoadedBundle& b, const std::vector<std::filesystem::path>& files);
Scored score_rows(const LoadedBundle& b, PreparedData prepared, const PredictOptions& opt);

// Writes "<id>,score" (or "row,score" without an id) to `out`, or to stdout when `out` is empty;
// with reasons when asked (a tree model's exact contributions, see explain.h).
PredictSummary predict_file(const std::filesystem::path& bundle, const std::filesystem::path& data,
                            const std::filesystem::path& out, const PredictOptions& opt = {});

}  // namespace mlpipe
