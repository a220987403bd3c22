#pragma once
// Rows received as JSON ({"column": value, ...} each), read into a table exactly as `mlpipe
// predict` reads a CSV file: they are written as CSV text (numbers in shortest round-trip form,
// null as an empty field) and parsed by the same reader with the bundle's options, so a served
// score is the one predict gives for the same values. Stateless; thread-safe.
#include <nlohmann/json.hpp>
#include <string>

#include "core/data/csv_reader.h"
#include "core/data/table.h"

namespace mlpipe {

// The CSV text of `rows` (an array of objects): the columns in order of first appearance, a key
// a row lacks an empty field. Throws RequestError naming the row and key for a value that is an
// object or a list, and for a row that is not an object.
std::string rows_to_csv(const nlohmann::json& rows);

// One value as its CSV field: a number in shortest round-trip form, text as it is, null empty.
// Throws RequestError naming rows[row].key for an object or a list.
std::string request_cell(const nlohmann::json& value, size_t row, const std::string& key);

// rows_to_csv, then the CSV reader with `options` (e.g. prediction_csv_options of a bundle).
Table read_request_rows(const nlohmann::json& rows, const CsvOptions& options);

}  // namespace mlpipe
