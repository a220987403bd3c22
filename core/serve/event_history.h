#pragma once
// The recent events `mlpipe serve` keeps so that a model whose features come from history
// (`window` and `label_rate` transforms) scores a new event exactly as `predict` scores it in a
// file holding every earlier event: for each entity column those transforms group by (a card, a
// terminal), the events of the same entity value within the longest window (plus the label
// delay) are kept, and a new event is scored on them followed by itself. Memory is bounded by
// those windows. Not thread-safe: ScoringService serialises its use.
#include <cstdint>
#include <deque>
#include <map>
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

// From a bundle's fitted transforms; an empty spec when none reads history. Throws ConfigError
// for transforms over different time columns (not served).
HistorySpec history_spec(const nlohmann::json& preprocess, const nlohmann::json& manifest);

class EventHistory {
 public:
  explicit EventHistory(HistorySpec spec) : spec_(std::move(spec)) {}
  const HistorySpec& spec() const { return spec_; }

  // The kept events sharing an entity value with `event`, in arrival order, then `event`:
  // the rows to score it on (its result is the last).
  nlohmann::json context(const nlohmann::json& event) const;
  // Keeps `event` (its time `t` in epoch seconds) and forgets what every window has passed.
  void add(const nlohmann::json& event, double t);
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
  uint64_t next_ = 0;
  double latest_ = -1e300;
  std::map<uint64_t, Event> events_;
  std::map<std::string, std::unordered_map<std::string, std::deque<uint64_t>>> by_entity_;
  std::unordered_map<std::string, uint64_t> by_id_;
};

}  // namespace mlpipe
