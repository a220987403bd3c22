#include "core/serve/event_history.h"

#include <algorithm>
#include <set>

#include "core/data/datetime.h"
#include "core/serve/request_rows.h"
#include "core/util/error.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {

HistorySpec history_spec(const json& pre, const json& manifest) {
  HistorySpec s;
  s.id = manifest.value("id", "");
  s.label = pre.contains("ingest") ? pre["ingest"].value("label", "") : "";
  if (!pre.contains("transforms")) return s;
  for (const auto& t : pre["transforms"]) {
    std::string op = t.value("op", "");
    if (op != "window" && op != "label_rate") continue;
    std::string time = t.value("time", ""), entity = t.value("entity", "");
    if (!s.time.empty() && s.time != time)
      throw ConfigError("serve: the history transforms use two time columns (" + s.time + ", " + time +
                        "); serving keeps one event history");
    s.time = time;
    double longest = 0;
    std::vector<std::string> windows = t["windows"].is_array() ? t["windows"].get<std::vector<std::string>>()
                                                                : std::vector<std::string>{t["windows"].get<std::string>()};
    for (const auto& w : windows) longest = std::max(longest, parse_duration(w).value_or(0));
    double delay = t.contains("delay") ? parse_duration(t["delay"].get<std::string>()).value_or(0) : 0;
    double& keep = s.keep_s[entity];
    keep = std::max(keep, longest + delay);
  }
  return s;
}

std::string EventHistory::key_of(const json& event, const std::string& column) const {
  auto it = event.find(column);
  return it == event.end() ? std::string() : request_cell(*it, 0, column);
}

json EventHistory::context(const json& event) const {
  std::set<uint64_t> seqs;  // in arrival order, each once (an event shares a card and a terminal)
  for (const auto& [column, lists] : by_entity_) {
    std::string key = key_of(event, column);
    if (key.empty()) continue;
    auto it = lists.find(key);
    if (it != lists.end()) seqs.insert(it->second.begin(), it->second.end());
  }
  json rows = json::array();
  for (uint64_t q : seqs) rows.push_back(events_.at(q).row);
  rows.push_back(event);
  return rows;
}

void EventHistory::add(const json& event, double t) {
  latest_ = std::max(latest_, t);
  uint64_t seq = next_++;
  Event e{event, t, 0};
  for (const auto& [column, keep] : spec_.keep_s) {
    std::string key = key_of(event, column);
    if (key.empty()) continue;  // no entity: no window groups it
    by_entity_[column][key].push_back(seq);
    ++e.refs;
  }
  if (e.refs == 0) return;
  events_.emplace(seq, std::move(e));
  if (!spec_.id.empty()) {
    std::string id = key_of(event, spec_.id);
    if (!id.empty()) by_id_[id] = seq;
  }
  // What the windows have passed, for this event's entities (others age out when they are next
  // seen, or never: their few events stay, within the bound of one window per entity value).
  for (const auto& [column, keep] : spec_.keep_s) {
    std::string key = key_of(event, column);
    if (key.empty()) continue;
    std::deque<uint64_t>& q = by_entity_[column][key];
    while (!q.empty() && events_.at(q.front()).t < latest_ - keep) {
      uint64_t old = q.front();
      q.pop_front();
      if (--events_.at(old).refs == 0) forget(old);
    }
  }
}

void EventHistory::forget(uint64_t seq) {
  auto it = events_.find(seq);
  if (it == events_.end()) return;
  if (!spec_.id.empty()) {
    auto id = by_id_.find(key_of(it->second.row, spec_.id));
    if (id != by_id_.end() && id->second == seq) by_id_.erase(id);
  }
  events_.erase(it);
}

bool EventHistory::set_label(const std::string& id, const json& label) {
  auto it = by_id_.find(id);
  if (it == by_id_.end() || spec_.label.empty()) return false;
  events_.at(it->second).row[spec_.label] = label;
  return true;
}

std::vector<json> EventHistory::kept() const {
  std::vector<json> out;
  out.reserve(events_.size());
  for (const auto& [seq, e] : events_) out.push_back(e.row);
  return out;
}

size_t EventHistory::entities() const {
  size_t n = 0;
  for (const auto& [column, lists] : by_entity_) n += lists.size();
  return n;
}

}  // namespace mlpipe
