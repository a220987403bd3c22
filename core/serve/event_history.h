#pragma once
// The recent events `mlpipe serve` keeps so that a model whose features come from history
// (`window` and `label_rate` transforms) scores a new event exactly as `predict` scores it in a
// file holding every earlier event: for each entity column those transforms group by (a card, a
// terminal), the events of the same entity value within the longest window (plus the label
// delay) are kept, and a new event is scored on them followed by itself. Memory is bounded by
// those windows. Not thread-safe: ScoringService serialises its use.
#include <cstdint>
#include <utility>
#include <deque>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

namespace mlpipe {

struct HistorySpec {
  std::string time;                       // the transforms' time column
  std::map<std::string, double> keep_s;   // entity column -> seconds of events to keep
  std::string id;                         // the bundle's id column (labels arrive by id)
  std::string label;                      // the label column (label_rate reads it)
  bool needed() const { return !keep_s.empty(); }
};

// "No gap": every event the server was given since it started is kept.
constexpr double kNoGap = -1e300;

// From a bundle's fitted transforms; an empty spec when none reads history. Throws ConfigError
// for transforms over different time columns (not served).
HistorySpec history_spec(const nlohmann::json& preprocess, const nlohmann::json& manifest);

class EventHistory {
 public:
  explicit EventHistory(HistorySpec spec) : spec_(std::move(spec)) {}
  const HistorySpec& spec() const { return spec_; }

  // Keeps what `more` needs as well, from now on (an alias moved to, or a registered version
  // that may be, whose windows are longer or group by another column). What was not kept before
  // cannot come back: such a column is complete only after the latest event taken (its gap).
  // `events_taken`: whether events came before (they are gone when nothing was kept of them).
  // Returns whether anything changed. Throws ConfigError for another time column.
  bool widen(const HistorySpec& more, bool events_taken);
  // Whether an event at `t` (not before the latest) finds kept every earlier event the windows
  // of `need` read: false while a widened column's gap is inside one of its windows.
  bool covers(const HistorySpec& need, double t) const;
  // The same for an event already taken at `t`, scored again now (the windows of `need` reach
  // back from t, and some of what they read may have aged out since).
  bool covered_then(const HistorySpec& need, double t) const;

  // What is kept and since when, as a log line's body: {"time", "columns": {c: {"keep_s",
  // "complete_from"}}}. `snapshot`: the gaps also take what has aged out (what a restart from
  // the kept events alone has). set_retention sets it back, on an empty history only.
  nlohmann::json retention(bool snapshot) const;
  void set_retention(const nlohmann::json& r);

  // The kept events sharing an entity value with `event`, in arrival order, then `event`:
  // the rows to score it on (its result is the last).
  nlohmann::json context(const nlohmann::json& event) const;
  // Keeps `event` (its time `t` in epoch seconds) and forgets what every window has passed.
  // `seq` orders it among all events the caller takes (increasing); by default the next one.
  void add(const nlohmann::json& event, double t, uint64_t seq);
  void add(const nlohmann::json& event, double t) { add(event, t, next_); }
  // The kept events with their sequence numbers, in arrival order.
  std::vector<std::pair<uint64_t, const nlohmann::json*>> kept_rows() const;
  // For a kept column, each entity value's kept events (seq, row, time) in arrival order: all
  // of that entity's events since the oldest one listed (a column ages from its oldest events).
  struct KeptEvent {
    uint64_t seq;
    const nlohmann::json* row;
    double t;
  };
  std::map<std::string, std::vector<KeptEvent>> by_entity(const std::string& column) const;
  // Whether a kept column holds every event given since the start: nothing aged out, no gap.
  bool whole(const std::string& column) const {
    return spec_.keep_s.count(column) && !forgot_.count(column) && !complete_from_.count(column) &&
           !pending_gap_.count(column);
  }
  // A label that arrived later, for the event with this id; false when it is not kept (any more).
  bool set_label(const std::string& id, const nlohmann::json& label);

  // The kept events' rows (labels applied), in arrival order: a snapshot.
  std::vector<nlohmann::json> kept() const;

  double latest() const { return latest_; }
  size_t events() const { return events_.size(); }
  size_t entities() const;

 private:
  struct Event {
    nlohmann::json row;
    double t = 0;
    int refs = 0;  // entity lists it is in
  };
  std::string key_of(const nlohmann::json& event, const std::string& column) const;
  void forget(uint64_t seq);

  HistorySpec spec_;
  std::map<std::string, double> complete_from_;  // column -> events after this time are all kept
  std::set<std::string> pending_gap_;            // widened before any event time was known
  std::map<std::string, double> forgot_;         // column -> the latest time of an event aged out
  uint64_t next_ = 0;
  double latest_ = -1e300;
  std::map<uint64_t, Event> events_;
  std::map<std::string, std::unordered_map<std::string, std::deque<uint64_t>>> by_entity_;
  std::unordered_map<std::string, uint64_t> by_id_;
};

}  // namespace mlpipe
