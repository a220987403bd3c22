#include "core/data/csv_writer.h"

#include "core/util/atomic_file.h"

namespace mlpipe {

CsvWriter::CsvWriter(const std::vector<std::string>& header) { row(header); }

void CsvWriter::append(const std::string& f) {
  if (f.find_first_of(",\"\n\r") == std::string::npos) {
    out_ += f;
    return;
  }
  out_ += '"';
  for (char c : f) {
    if (c == '"') out_ += '"';
    out_ += c;
  }
  out_ += '"';
}

void CsvWriter::row(const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out_ += ',';
    append(fields[i]);
  }
  out_ += '\n';
}

void CsvWriter::save(const std::filesystem::path& path) const { write_file_atomic(path, out_); }

}  // namespace mlpipe
