#pragma once
// `mlpipe models samples NAME`: the rows `mlpipe serve --sample` recorded for a model, back as a
// CSV file a pipeline reads (an ingest step, then a drift step against the registered model):
// one column per key the requests sent, in the model's column order, each value as the request had
// it (numbers in shortest round-trip form, null as an empty cell). Reads only.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/store/database.h"

namespace mlpipe {

struct SampleQuery {
  std::string model;
  std::optional<int64_t> version;  // all versions when unset
  std::string since, until;        // ISO times, inclusive/exclusive; "" for no bound
  std::optional<int64_t> limit;    // the latest N
  bool with_results = false;       // and sample_at, sample_version, sample_score columns
  // The model's data columns in their order (its preprocess.json): the CSV's columns come in
  // this order, then any other key the requests sent (sorted).
  std::vector<std::string> column_order;
};

struct SampleCsv {
  std::string text;
  size_t rows = 0;
};

// Throws ConfigError when the store has no samples of the model (naming what it has).
SampleCsv samples_csv(Db& db, const SampleQuery& q);

}  // namespace mlpipe
