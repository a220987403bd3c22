#include "core/serve/history_log.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <cstring>
#include <fstream>

#include "core/util/atomic_file.h"
#include "core/util/error.h"

using nlohmann::json;

namespace mlpipe {

HistoryLog::HistoryLog(std::filesystem::path path, size_t snapshot_every) : path_(std::move(path)), every_(snapshot_every) {
  if (std::filesystem::exists(path_)) {
    std::ifstream in(path_, std::ios::binary);
    std::string line;
    size_t n = 0;
    std::vector<std::string> text;
    while (std::getline(in, line)) text.push_back(line);
    for (size_t i = 0; i < text.size(); ++i) {
      ++n;
      if (text[i].empty()) continue;
      json j = json::parse(text[i], nullptr, false);
      static const char* const kinds[] = {"event", "label", "retention", "state", "kept", "window"};
      bool ours = !j.is_discarded() && j.is_object() && j.size() == 1 &&
                  std::any_of(std::begin(kinds), std::end(kinds), [&j](const char* k) { return j.contains(k); });
      if (!ours) {
        if (i + 1 == text.size()) break;  // torn by a crash mid-append
        throw ConfigError(path_.string() + ":" + std::to_string(n) +
                          ": not a line of an mlpipe serve history (expected {\"event\": ...}, {\"label\": ...} or a snapshot's line)");
      }
      entries_.push_back(std::move(j));
    }
    lines_ = entries_.size();
  }
  if (!path_.parent_path().empty()) std::filesystem::create_directories(path_.parent_path());
  // Rewritten whole first: a torn last line must not be followed by good ones.
  std::string all;
  for (const auto& e : entries_) all += e.dump() + "\n";
  write_file_atomic(path_, all);
  open_for_append();
}

HistoryLog::~HistoryLog() {
  if (f_) std::fclose(f_);
}

void HistoryLog::open_for_append() {
  if (f_) std::fclose(f_);
  f_ = std::fopen(path_.c_str(), "ab");
  if (!f_) throw StepError("serve: cannot append to " + path_.string() + ": " + std::strerror(errno));
}

void HistoryLog::append(const std::vector<json>& lines) {
  if (lines.empty()) return;
  std::string text;
  for (const auto& l : lines) text += l.dump() + "\n";
  if (std::fwrite(text.data(), 1, text.size(), f_) != text.size() || std::fflush(f_) != 0 || ::fsync(fileno(f_)) != 0)
    throw StepError("serve: cannot write the history to " + path_.string() + ": " + std::strerror(errno));
  lines_ += lines.size();
}

void HistoryLog::compact(const std::vector<json>& snapshot) {
  std::string all;
  for (const auto& e : snapshot) all += e.dump() + "\n";
  write_file_atomic(path_, all);
  lines_ = snapshot_lines_ = snapshot.size();
  open_for_append();
}

}  // namespace mlpipe
