#pragma once
// Joins of a second table onto the rows of a first: by key (one right row per key), or as of a
// time (for each left row, the entity's latest right row at or before the left row's time minus
// a delay: what was known then, as a feature store's historical retrieval gives it).
// Pure functions on tables; no state, safe from any thread.
#include <optional>
#include <string>
#include <vector>

#include "core/data/table.h"

namespace mlpipe {

struct JoinSpec {
  std::vector<std::string> left_keys, right_keys;  // same length; compared as text
  std::vector<std::string> columns;                // right columns to bring (already chosen)
  std::string prefix;                              // put before each brought column's name
  bool inner = false;                              // drop left rows with no match
  // As-of: set both times.
  std::string left_time, right_time;
  double delay = 0;                    // seconds: only right rows at or before left time - delay
  std::optional<double> max_age;       // seconds: and not older than this
};

struct JoinResult {
  Table table;
  std::vector<uint32_t> left_rows;  // the left row of each output row (inner joins drop some)
  size_t matched = 0;
};

// Throws StepError: a key or time column missing (with a did-you-mean), a brought column whose
// name is taken (suggesting a prefix), a key join whose right side repeats a key.
JoinResult join_tables(const Table& left, const Table& right, const JoinSpec& spec);

}  // namespace mlpipe
