#pragma once
// Row conditions written in YAML (`where:`): "TX_AMOUNT > 0", "label is not null",
// "TX_DATETIME >= 2018-08-01", "region != 'north'", clauses joined by "and". A condition on a
// missing value is false (as in SQL), except `is null`.
#include <string>
#include <vector>

#include "core/data/table.h"

namespace mlpipe {

struct Condition {
  std::string column;
  std::string op;     // == != < <= > >= "is null" "is not null"
  std::string value;  // as written, quotes removed
  bool quoted = false;
};

// Parses one `where:` text; throws ConfigError-free std::invalid_argument with what is wrong.
std::vector<Condition> parse_where(const std::string& text);

// The rows (in order) that meet every condition. Throws StepError naming the column (with a
// did-you-mean) or the value that does not fit the column's type.
std::vector<uint32_t> rows_where(const Table& t, const std::vector<Condition>& all);

}  // namespace mlpipe
