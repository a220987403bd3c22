#pragma once
// Where each value of a parsed config came from, so every error can say file:line:col.
// Paths are '/'-joined keys and list indexes: "steps/train/params/eta", "steps/f/transforms/0/op".
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mlpipe {

struct SourcePos {
  std::string file;  // "pipeline.yaml", or "--set" for command-line overrides
  int line = 0;      // 1-based; 0 = unknown
  int col = 0;       // 1-based
  std::string text;  // the source line, for the excerpt under the message
};

class SourceMap {
 public:
  SourceMap() = default;
  SourceMap(std::string file, const std::string& source_text);

  void set_key(const std::string& path, int line0, int col0);
  void set_value(const std::string& path, int line0, int col0);
  void set_override(const std::string& path, const std::string& assignment);

  // Position of the key naming `path`; falls back to its value, then to the nearest ancestor.
  SourcePos key(const std::string& path) const;
  // Position of the value at `path`; falls back like key().
  SourcePos value(const std::string& path) const;
  // Line of the key (for ordering steps as written); INT32_MAX when unknown.
  int line_of(const std::string& path) const;

  const std::string& file() const { return file_; }
  SourcePos at(int line0, int col0) const;

 private:
  SourcePos lookup(const std::map<std::string, SourcePos>& primary,
                   const std::map<std::string, SourcePos>& secondary, std::string path) const;
  std::string file_;
  std::shared_ptr<std::vector<std::string>> lines_ = std::make_shared<std::vector<std::string>>();
  std::map<std::string, SourcePos> keys_, values_;
};

// "file:line:col: message" plus the source line and a caret under the column.
std::string format_at(const SourcePos& pos, const std::string& message);

// Joins a parent path and a child key or index.
std::string child_path(const std::string& parent, const std::string& key);

}  // namespace mlpipe
