#pragma once
// A step's `source:`: one file, a list of files, or glob patterns ("data/day-*.csv.gz"), read as
// one table: every file must have the same header; a column that is text in any file is text in
// all of them (numbers kept as written), so the parts join without losing a value.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/data/csv_reader.h"
#include "core/data/table.h"

namespace mlpipe {

struct SourceFile {
  std::string as_written;      // relative to the pipeline folder when the pattern was (fingerprints)
  std::filesystem::path path;  // absolute
};

// The files `source` names, in order (each pattern's matches sorted). Throws ConfigError naming
// the pattern when one matches no file.
std::vector<SourceFile> expand_sources(const nlohmann::json& source, const std::filesystem::path& base_dir);

// What differs between two files' headers ("" when nothing): the file, the column's position and
// both names.
std::string header_difference(const std::vector<std::string>& first, const std::filesystem::path& first_file,
                              const std::vector<std::string>& other, const std::filesystem::path& file);

// The files as one table, rows in file order. Errors (StepError) name the file and the column.
Table read_tables(const std::vector<std::filesystem::path>& files, const CsvOptions& options);

}  // namespace mlpipe
