#pragma once
// Builds CSV text (RFC 4180 quoting where needed) and writes it atomically.
#include <filesystem>
#include <string>
#include <vector>

namespace mlpipe {

class CsvWriter {
 public:
  explicit CsvWriter(const std::vector<std::string>& header);
  void row(const std::vector<std::string>& fields);
  const std::string& text() const { return out_; }
  void save(const std::filesystem::path& path) const;  // write-then-rename

 private:
  void append(const std::string& field);
  std::string out_;
};

}  // namespace mlpipe
