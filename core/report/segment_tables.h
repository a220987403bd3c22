#pragma once
// The tables of an evaluate step's segments: and fairness: records, for the report and the model
// card: the fairness measures per protected column, then every metric per group of each column.
#include <cstdint>
#include <string>
#include <vector>

#include "core/store/query.h"
#include "core/store/database.h"

namespace mlpipe {

inline constexpr const char* kFairnessNote =
    "Fairness at the step's threshold: the adverse impact ratio is the lowest group's favourable-decision rate over the "
    "highest's (the four-fifths rule asks for 0.8 or more); the differences are the largest minus the smallest group value.";

struct SegmentTables {
  std::string title;                  // "evaluate (test)"
  QueryResult fairness;               // protected column, ratio, rule, TPR/FPR/ECE differences (may be empty)
  std::vector<QueryResult> by_column; // first column: the segment column's groups
};
std::vector<SegmentTables> segment_tables(Db& db, int64_t run);

}  // namespace mlpipe
