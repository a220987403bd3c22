#include "core/serve/event_history.h"

#include <algorithm>
#include <cmath>
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

bool EventHistory::widen(const HistorySpec& more, bool events_taken) {
  if (!more.needed()) return false;
  if (!spec_.time.empty() && more.time != spec_.time)
    throw ConfigError("serve: this model's history features use time column `" + more.time +
                      "`; the history kept here is by `" + spec_.time + "` (serve it with a history of its own)");
  bool changed = spec_.time.empty();
  spec_.time = more.time;
  if (spec_.id.empty()) spec_.id = more.id;
  if (spec_.label.empty()) spec_.label = more.label;
  bool taken = latest_ > kNoGap;  // before any event, nothing was missed
  for (const auto& [column, keep] : more.keep_s) {
    auto it = spec_.keep_s.find(column);
    if (it != spec_.keep_s.end()) {
      if (keep <= it->second) continue;
      // Kept for `it->second` so far: what is older than that is gone.
      // (those at exactly latest - keep are kept: the gap is just before them).
      if (taken)
        complete_from_[column] = std::max(complete_from_.count(column) ? complete_from_[column] : kNoGap,
                                          std::nextafter(latest_ - it->second, -1e308));
      it->second = keep;
      changed = true;
      continue;
    }
    spec_.keep_s[column] = keep;
    changed = true;
    if (taken) complete_from_[column] = latest_;
    else if (events_taken) pending_gap_.insert(column);  // events came, with no time kept: the next one's
    // The events kept for other columns are this column's too (what they hold of it).
    auto& lists = by_entity_[column];
    for (auto& [seq, e] : events_) {
      std::string key = key_of(e.row, column);
      if (key.empty()) continue;
      lists[key].push_back(seq);
      ++e.refs;
    }
  }
  if (!spec_.id.empty() && by_id_.empty())
    for (const auto& [seq, e] : events_) {
      std::string id = key_of(e.row, spec_.id);
      if (!id.empty()) by_id_[id] = seq;
    }
  return changed;
}

bool EventHistory::covers(const HistorySpec& need, double t) const {
  for (const auto& [column, keep] : need.keep_s) {
    if (!spec_.keep_s.count(column)) return false;
    auto gap = complete_from_.find(column);
    if (gap != complete_from_.end() && !(t - keep > gap->second)) return false;
  }
  return true;
}

bool EventHistory::covered_then(const HistorySpec& need, double t) const {
  if (!covers(need, t)) return false;
  for (const auto& [column, keep] : need.keep_s) {
    auto f = forgot_.find(column);
    if (f != forgot_.end() && !(t - keep > f->second)) return false;  // aged out since
  }
  return true;
}

json EventHistory::retention(bool snapshot) const {
  json columns = json::object();
  for (const auto& [column, keep] : spec_.keep_s) {
    double from = complete_from_.count(column) ? complete_from_.at(column) : kNoGap;
    // After a restart from the kept events alone, what aged out is a gap too.
    if (snapshot && forgot_.count(column)) from = std::max(from, forgot_.at(column));
    columns[column] = {{"keep_s", keep}, {"complete_from", from > kNoGap ? json(from) : json()}};
  }
  return {{"time", spec_.time}, {"columns", columns}};
}

void EventHistory::set_retention(const json& r) {
  if (!events_.empty() || latest_ > kNoGap) throw StepError("serve: the history's retention is set before its events");
  if (!r.is_object() || !r.contains("columns") || !r["columns"].is_object())
    throw ConfigError("a retention entry should be {\"time\", \"columns\": {...}}");
  spec_.time = r.value("time", spec_.time);
  spec_.keep_s.clear();
  complete_from_.clear();
  for (const auto& [column, c] : r["columns"].items()) {
    spec_.keep_s[column] = c.at("keep_s").get<double>();
    if (c.contains("complete_from") && c["complete_from"].is_number()) complete_from_[column] = c["complete_from"].get<double>();
  }
}

std::vector<std::pair<uint64_t, const json*>> EventHistory::kept_rows() const {
  std::vector<std::pair<uint64_t, const json*>> out;
  out.reserve(events_.size());
  for (const auto& [seq, e] : events_) out.emplace_back(seq, &e.row);
  return out;
}

std::map<std::string, std::vector<EventHistory::KeptEvent>> EventHistory::by_entity(const std::string& column) const {
  std::map<std::string, std::vector<KeptEvent>> out;
  auto lists = by_entity_.find(column);
  if (lists == by_entity_.end()) return out;
  for (const auto& [key, seqs] : lists->second) {
    std::vector<KeptEvent>& v = out[key];
    for (uint64_t q : seqs) {
      const Event& e = events_.at(q);
      v.push_back({q, &e.row, e.t});
    }
  }
  return out;
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

void EventHistory::add(const json& event, double t, uint64_t seq) {
  latest_ = std::max(latest_, t);
  for (const auto& column : pending_gap_) complete_from_[column] = t;
  pending_gap_.clear();
  next_ = std::max(next_, seq + 1);
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
      double& f = forgot_.try_emplace(column, kNoGap).first->second;
      f = std::max(f, events_.at(old).t);
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
