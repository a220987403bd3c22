#pragma once
// Rows received as JSON ({"column": value, ...} each), read into a table exactly as `mlpipe
// predict` reads a CSV file: they are written as CSV text (numbers in shortest round-trip form,
// null as a field the reader takes as missing) and parsed by the same reader with the bundle's options, so a served
// score is the one predict gives for the same values. Stateless; thread-safe.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/data/csv_reader.h"
#include "core/data/table.h"

namespace mlpipe {

// The CSV text of `rows` (an array of objects): the columns in order of first appearance; null,
// and a key a row lacks, written as `null_text` (null_field's: missing to the reader). Throws
// RequestError naming the row and key for a value that is an object or a list, for a row that is
// not an object, and for a null or a lacking key when `null_text` is nullopt.
// Numbers are written with `decimal` as their decimal point (the training file's).
std::string rows_to_csv(const nlohmann::json& rows, const std::optional<std::string>& null_text = std::string(),
                        char decimal = '.');
// The field the reader takes as missing under `options`: "" when it is among the NA values (the
// default), else the first of them; nullopt when there are none (nothing reads as missing).
std::optional<std::string> null_field(const CsvOptions& options);

// One value as its CSV field: a number in shortest round-trip form (`decimal` its decimal
// point), text as it is, null empty. Throws RequestError naming rows[row].key for an object or a list.
std::string request_cell(const nlohmann::json& value, size_t row, const std::string& key, char decimal = '.');

// The table the CSV reader gives for rows_to_csv(rows) with `options` (e.g. prediction_csv_options
// of a bundle), less the header_names, which are positions in a file's header. Rows of numbers
// and nulls only (the usual request) are put into columns directly, the same values the reader
// gives them without the text round trip; anything else takes read_request_rows_as_csv.
Table read_request_rows(const nlohmann::json& rows, const CsvOptions& options);
// The table the CSV route reads when every value is a finite number or null and every key is a
// column the reader infers: each column numeric, null and an absent key NaN, columns in order of
// first appearance, then the row column. nullopt when any value or key needs the reader's rules
// (text, a declared categorical or datetime column, a key the reader would trim, a number among
// the NA values).
std::optional<Table> numeric_request_rows(const nlohmann::json& rows, const CsvOptions& options);
// Whether numeric_request_rows reads numbers at all under `options`: not when an NA value is
// text a finite number is written as ("-999"), which only the reader's rules turn into missing.
bool reads_numbers_directly(const CsvOptions& options);
// rows_to_csv, then the CSV reader: the reference route.
Table read_request_rows_as_csv(const nlohmann::json& rows, const CsvOptions& options);

}  // namespace mlpipe
