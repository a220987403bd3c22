#include "core/serve/request_rows.h"

#include <map>
#include <vector>

#include "core/data/csv_writer.h"
#include "core/serve/request_error.h"
#include "core/util/error.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {

namespace {
// Keeps every CSV line non-empty (a one-column row of null would be a blank line, which CSV
// skips). No bundle has a column of this name, so prepare_table ignores it.
constexpr const char* kRowColumn = "__mlpipe_request_row";

}  // namespace

std::string request_cell(const json& v, size_t row, const std::string& key) {
  switch (v.type()) {
    case json::value_t::null: return "";
    case json::value_t::string: return v.get<std::string>();
    case json::value_t::boolean: return v.get<bool>() ? "true" : "false";
    case json::value_t::number_integer: return std::to_string(v.get<int64_t>());
    case json::value_t::number_unsigned: return std::to_string(v.get<uint64_t>());
    case json::value_t::number_float: return format_double(v.get<double>());
    default:
      throw RequestError("rows[" + std::to_string(row) + "]." + key + ": expected a number, text or null, got " +
                         std::string(v.type_name()));
  }
}

std::string rows_to_csv(const json& rows) {
  if (!rows.is_array()) throw RequestError("`rows` should be a list of objects, got " + std::string(rows.type_name()));
  std::vector<std::string> header;
  std::map<std::string, size_t> index;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (!rows[r].is_object())
      throw RequestError("rows[" + std::to_string(r) + "]: expected an object of column: value, got " +
                         std::string(rows[r].type_name()));
    for (const auto& [k, v] : rows[r].items())
      if (index.emplace(k, header.size()).second) header.push_back(k);
  }
  std::vector<std::string> columns = header;
  columns.push_back(kRowColumn);
  CsvWriter w(columns);
  std::vector<std::string> cells(columns.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    std::fill(cells.begin(), cells.end(), std::string());
    for (const auto& [k, v] : rows[r].items()) cells[index[k]] = request_cell(v, r, k);
    cells.back() = std::to_string(r);
    w.row(cells);
  }
  return w.text();
}

Table read_request_rows(const json& rows, const CsvOptions& options) {
  std::string text = rows_to_csv(rows);
  CsvOptions opt = options;
  opt.threads = 1;  // a request is small; no thread start-up
  return parse_csv(text, "request", opt);
}

}  // namespace mlpipe
