#include "core/config/source_map.h"

#include <climits>

#include "core/util/strings.h"

namespace mlpipe {

SourceMap::SourceMap(std::string file, const std::string& text) : file_(std::move(file)) {
  *lines_ = split(text, '\n');
  for (auto& l : *lines_)
    if (!l.empty() && l.back() == '\r') l.pop_back();
}

SourcePos SourceMap::at(int line0, int col0) const {
  SourcePos p;
  p.file = file_;
  if (line0 < 0) return p;
  p.line = line0 + 1;
  p.col = col0 + 1;
  if (static_cast<size_t>(line0) < lines_->size()) p.text = (*lines_)[line0];
  return p;
}

void SourceMap::set_key(const std::string& path, int l, int c) { keys_[path] = at(l, c); }
void SourceMap::set_value(const std::string& path, int l, int c) { values_[path] = at(l, c); }
void SourceMap::set_override(const std::string& path, const std::string& assignment) {
  SourcePos p;
  p.file = "--set " + assignment;
  keys_[path] = p;
  values_[path] = p;
}

SourcePos SourceMap::lookup(const std::map<std::string, SourcePos>& primary,
                            const std::map<std::string, SourcePos>& secondary,
                            std::string path) const {
  for (;;) {
    auto it = primary.find(path);
    if (it != primary.end() && (it->second.line > 0 || it->second.file != file_)) return it->second;
    it = secondary.find(path);
    if (it != secondary.end() && (it->second.line > 0 || it->second.file != file_))
      return it->second;
    if (path.empty()) break;
    auto slash = path.rfind('/');
    path = slash == std::string::npos ? "" : path.substr(0, slash);
  }
  SourcePos p;
  p.file = file_;
  return p;
}

SourcePos SourceMap::key(const std::string& path) const { return lookup(keys_, values_, path); }
SourcePos SourceMap::value(const std::string& path) const { return lookup(values_, keys_, path); }

int SourceMap::line_of(const std::string& path) const {
  auto it = keys_.find(path);
  return it == keys_.end() || it->second.line == 0 ? INT_MAX : it->second.line;
}

std::string format_at(const SourcePos& pos, const std::string& message) {
  std::string out = pos.file;
  if (pos.line > 0) out += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.col);
  out += ": " + message;
  if (pos.line > 0 && !pos.text.empty()) {
    std::string num = std::to_string(pos.line);
    // A long line is shown as the 100 characters around the column, marked "...".
    std::string text = pos.text;
    size_t caret = pos.col > 0 ? size_t(pos.col - 1) : 0;
    // yaml-cpp's marks can point past our line (lone '\r' breaks, end of input): clamp.
    if (caret > text.size()) caret = text.size();
    if (text.size() > 120) {
      size_t from = caret > 50 ? caret - 50 : 0;
      std::string cut = text.substr(from, 100);
      bool head = from > 0, tail = from + 100 < text.size();
      text = (head ? "..." : "") + cut + (tail ? "..." : "");
      caret = caret - from + (head ? 3 : 0);
    }
    out += "\n  " + num + " | " + text + "\n  " + std::string(num.size(), ' ') + " | " + std::string(caret, ' ') + "^";
  }
  return out;
}

std::string child_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "/" + key;
}

}  // namespace mlpipe
