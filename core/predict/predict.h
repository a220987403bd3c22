#pragma once
// `mlpipe predict`: applies a model bundle to a CSV file.
#include <filesystem>
#include <string>

namespace mlpipe {

struct PredictSummary {
  size_t rows = 0;
  size_t unseen_categories = 0;
};

// Writes "<id>,score" (or "row,score" without an id) to `out`, or to stdout when `out` is empty.
PredictSummary predict_file(const std::filesystem::path& bundle, const std::filesystem::path& data,
                            const std::filesystem::path& out);

}  // namespace mlpipe
