#pragma once
// What `mlpipe serve --history FILE` keeps on disk so that a restarted server has the same event
// history: one JSON line per event taken ({"event": {...}}), per label applied ({"label":
// {"id", "label"}}) and per widening of what is kept ({"retention": ...}), appended and fsynced
// before the request is answered. When the log grows past twice what is kept, it is rewritten
// (atomically) as a snapshot: the retention, the state ({"state"}), the kept events ({"kept"},
// labels applied) and sequence windows with their features exactly ({"window"}). Not
// thread-safe: ScoringService serialises its use.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mlpipe {

class HistoryLog {
 public:
  // Opens (creating) the log; its lines so far go to entries(). Throws ConfigError for a line
  // that is not one of ours (naming the file and line); a torn last line (a crash mid-write) is
  // dropped.
  // `snapshot_every`: lines between snapshots (0: when the log holds twice what is kept).
  explicit HistoryLog(std::filesystem::path path, size_t snapshot_every = 0);
  ~HistoryLog();
  HistoryLog(const HistoryLog&) = delete;
  HistoryLog& operator=(const HistoryLog&) = delete;

  const std::vector<nlohmann::json>& entries() const { return entries_; }
  void clear_entries() { entries_.clear(); entries_.shrink_to_fit(); }

  // Appends lines and makes them durable.
  void append(const std::vector<nlohmann::json>& lines);
  // Whether a snapshot is due: `snapshot_every` lines since the last, or else the log holds more
  // than twice the lines of what is kept (and over 1,000).
  bool wants_compaction(size_t kept) const {
    return every_ ? lines_ - snapshot_lines_ >= every_ : lines_ > 1000 && lines_ > 2 * kept;
  }
  // Rewrites the log as these lines (atomically): a snapshot of what is kept.
  void compact(const std::vector<nlohmann::json>& snapshot);

  const std::filesystem::path& path() const { return path_; }
  size_t lines() const { return lines_; }

 private:
  void open_for_append();
  std::filesystem::path path_;
  std::FILE* f_ = nullptr;
  size_t lines_ = 0;
  size_t every_ = 0;
  size_t snapshot_lines_ = 0;  // lines the last snapshot wrote
  std::vector<nlohmann::json> entries_;
};

}  // namespace mlpipe
