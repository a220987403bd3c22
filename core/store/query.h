#pragma once
// Read-only SQL over the run store, and the result formatted as a table, CSV or JSON.
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/store/database.h"

namespace mlpipe {

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<nlohmann::json>> rows;  // null, integer, real or string
};

// A statement runs at most timeout_s and returns at most max_rows rows (ConfigError beyond).
struct QueryLimits {
  double timeout_s = 30;
  size_t max_rows = 1000000;
};

// Runs one SQL statement on `db`. Refuses (ConfigError) any statement that could write,
// ATTACH another file, or change a setting, functions that reach native code (fts3_tokenizer),
// and more than one statement. With `each_row`, rows go to it as they come (the result keeps
// the columns only; max_rows still applies).
using QueryRowSink = std::function<void(const std::vector<std::string>& columns, const std::vector<nlohmann::json>& row)>;
QueryResult run_readonly_query(Db& db, const std::string& sql, const QueryLimits& limits = {},
                               const QueryRowSink& each_row = nullptr);

// The query's result written to `out` as it comes, in constant memory: "csv" or "json" (the
// same text as format_csv / format_json of the whole result).
void stream_query(const DbLocation& db_path, const std::string& sql, const QueryLimits& limits,
                  const std::string& format, std::ostream& out);

// Opens the database read-only and runs the query.
QueryResult query_database(const DbLocation& db_path, const std::string& sql, const QueryLimits& limits = {});

std::string format_table(const QueryResult& r);
std::string format_csv(const QueryResult& r);
std::string format_markdown(const QueryResult& r);  // a GitHub-flavoured table
std::string format_json(const QueryResult& r);  // an array of objects, one per row

}  // namespace mlpipe
