#pragma once
// RFC 4180 CSV/TSV reader: header, quoted fields (delimiters, newlines and "" inside), CRLF,
// UTF-8 BOM, configurable missing-value tokens, numbers via std::from_chars (scientific notation
// included), type inference with explicit overrides, categorical columns dictionary-encoded.
// Parses in parallel chunks: quote parity per chunk finds record starts that are not inside
// quotes, so chunking is exact even with newlines inside quoted fields.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/data/datetime.h"
#include "core/data/table.h"

namespace mlpipe {

struct CsvOptions {
  char delimiter = 0;  // 0: '\t' for .tsv/.tab files, else guessed from the header line
  std::vector<std::string> na_values = {"", "NA", "N/A", "NaN", "nan", "NULL", "null", "None"};
  // Explicit types; others are inferred: numbers are numeric, ISO 8601 datetimes (every value)
  // are datetime, any other text is categorical.
  std::map<std::string, ColumnType> types;
  std::map<std::string, TimeFormat> time_formats;  // for columns typed datetime; default ISO/epoch s
  bool types_must_exist = true;             // false: ignore `types` entries for absent columns
  unsigned threads = 0;                     // 0: one per hardware thread
  // Names for header columns by 1-based position (a header cell left empty, or one to rename).
  // An empty header cell without a name here is an error: it would silently become a feature.
  std::map<size_t, std::string> header_names;
  // The thousands separator of number fields ("41,190" with ','; also ' ', '\'' or '_'): 0 for
  // none. It is allowed only between digits and before any decimal point.
  char thousands = 0;
  // The decimal point of number fields: '.' or ',' ("3,5" in a ';'-delimited file). With ',', a
  // '.' in a number field makes it text unless '.' is the thousands separator.
  char decimal = '.';
};

// Whether [b, e) is a number as `options` write them (decimal point, thousands separator;
// spaces around it allowed), and its value.
bool parse_field_number(const char* b, const char* e, const CsvOptions& options, double& out);

// Errors (StepError) name the file and line: "data.csv:17: expected 5 fields, found 4".
Table read_csv(const std::filesystem::path& path, const CsvOptions& options);
Table parse_csv(std::string_view data, const std::string& label, const CsvOptions& options);
// The column names of a plain (uncompressed) file's header, as read_csv would name them
// (header_names applied); reads only the first line. nullopt for a compressed file.
std::optional<std::vector<std::string>> header_of(const std::filesystem::path& path, const CsvOptions& options);

}  // namespace mlpipe
