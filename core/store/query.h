#pragma once
// Read-only SQL over the run store, and the result formatted as a table, CSV or JSON.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/store/sqlite.h"

namespace mlpipe {

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<nlohmann::json>> rows;  // null, integer, real or string
};

// Runs one SQL statement on `db`. Refuses (ConfigError) any statement that could write,
// ATTACH another file, or change a setting, and more than one statement.
QueryResult run_readonly_query(Db& db, const std::string& sql);

// Opens the database read-only and runs the query.
QueryResult query_database(const std::filesystem::path& db_path, const std::string& sql);

std::string format_table(const QueryResult& r);
std::string format_csv(const QueryResult& r);
std::string format_markdown(const QueryResult& r);  // a GitHub-flavoured table
std::string format_json(const QueryResult& r);  // an array of objects, one per row

}  // namespace mlpipe
