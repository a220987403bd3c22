#include "core/serve/scoring_service.h"

#include <cmath>
#include <deque>
#include <optional>
#include <set>

#include "core/predict/predict.h"
#include "core/serve/feature_row_codec.h"
#include "core/serve/flat_request.h"
#include "core/serve/request_error.h"
#include "core/serve/request_rows.h"
#include "core/util/sha256.h"
#include "core/util/strings.h"

using nlohmann::json;
using nlohmann::ordered_json;

namespace mlpipe {

namespace {

constexpr size_t kMaxRows = 10000;  // per request; a bigger batch belongs to `mlpipe predict`

ordered_json number_or_null(double v) { return std::isfinite(v) ? ordered_json(v) : ordered_json(); }

PredictOptions explain_option(const json& req) {
  PredictOptions opt;
  if (!req.contains("explain") || req["explain"].is_null()) return opt;
  const json& e = req["explain"];
  if (e.is_string() && e.get<std::string>() == "all") {
    opt.explain_all = true;
  } else if (e.is_number_integer() && e.get<int64_t>() >= 1 && e.get<int64_t>() <= 1000) {
    opt.explain = size_t(e.get<int64_t>());
  } else {
    throw RequestError("`explain` takes a count of reasons (1 to 1000) or \"all\", got " + e.dump());
  }
  return opt;
}

// The rows of a request: {"rows": [...]} or {"row": {...}}.
json request_rows(const json& req) {
  if (!req.is_object())
    throw RequestError("the body should be a JSON object: {\"rows\": [{...}, ...]} or {\"row\": {...}}");
  static const std::vector<std::string> known = {"rows", "row", "explain"};
  for (const auto& [k, v] : req.items())
    if (std::find(known.begin(), known.end(), k) == known.end())
      throw RequestError("unknown key '" + k + "'" + did_you_mean(k, known) + "; a request has rows (or row) and explain");
  if (req.contains("rows") && req.contains("row")) throw RequestError("give `rows` or `row`, not both");
  if (req.contains("row")) return json::array({req["row"]});
  if (!req.contains("rows")) throw RequestError("no `rows`: send {\"rows\": [{...}, ...]} or {\"row\": {...}}");
  if (req["rows"].is_array() && req["rows"].size() > kMaxRows)
    throw RequestError("at most " + std::to_string(kMaxRows) + " rows per request (got " +
                       std::to_string(req["rows"].size()) + "); score files with `mlpipe predict`");
  return req["rows"];
}

}  // namespace

ordered_json model_identity(const ServedModel& m, const json& manifest, const std::string& sha) {
  ordered_json id;
  id["name"] = m.name.empty() ? manifest.value("pipeline", "") : m.name;
  id["version"] = m.version ? ordered_json(m.version) : ordered_json();
  if (!m.alias.empty()) id["alias"] = m.alias;
  id["run_id"] = manifest.value("run_id", json());
  id["manifest_sha256"] = sha;
  return id;
}

ScoringService::ScoringService(const ServedModel& model) : loaded_(load(model)) {}

std::shared_ptr<const ScoringService::Loaded> ScoringService::load(const ServedModel& model) {
  auto l = std::make_shared<Loaded>();
  l->model = model;
  l->bundle = load_bundle(model.dir);  // first: it says what is wrong with a folder that is no bundle
  l->manifest_sha256 = sha256_file(model.dir / "manifest.json");
  std::vector<std::string> inputs = l->bundle.manifest.value("features", std::vector<std::string>{});
  l->plan = ingest_plan(l->bundle.preprocess, &inputs);
  l->csv = prediction_csv_options(l->bundle.preprocess, &l->plan);
  try {
    l->need = history_spec(l->bundle.preprocess, l->bundle.manifest);
    l->keeps_history = l->bundle.manifest.value("sequence", false) || l->need.needed();
  } catch (const ConfigError&) {  // history over two time columns: /v1/score serves, /v1/events says why not
    l->keeps_history = true;
  }
  for (const auto& c : l->bundle.preprocess.at("ingest").at("columns")) l->column_names.push_back(c.at("name").get<std::string>());
  if (l->bundle.manifest.contains("dropped_columns") && l->bundle.manifest["dropped_columns"].is_array())
    for (const auto& d : l->bundle.manifest["dropped_columns"])
      if (d.is_string()) l->column_names.push_back(d.get<std::string>());
  l->known_columns.insert(l->column_names.begin(), l->column_names.end());
  if (!l->keeps_history) l->fast = RowProgram::compile(l->plan, l->csv, l->bundle.manifest);
  l->identity_text = model_identity(l->model, l->bundle.manifest, l->manifest_sha256).dump();
  return l;
}

void ScoringService::set_bundle(const ServedModel& model) {
  std::shared_ptr<const Loaded> next = load(model);  // outside the locks: requests go on meanwhile
  std::lock_guard<std::mutex> events_lock(history_mu_);  // no event is taken while the history changes
  if (history_ || !windows_.empty() || seq_) {
    widen_locked(*next, next->need);
    if (next->bundle.manifest.value("sequence", false)) rebuild_windows(*next);
  }
  std::lock_guard<std::mutex> lock(mu_);
  loaded_ = std::move(next);
}

bool ScoringService::widen_history(const std::vector<HistorySpec>& specs) {
  std::lock_guard<std::mutex> lock(history_mu_);
  std::shared_ptr<const Loaded> l = current();
  bool changed = false;
  for (const HistorySpec& s : specs) changed = widen_locked(*l, s) || changed;
  return changed;
}

bool ScoringService::widen_locked(const Loaded& l, const HistorySpec& spec) {
  EventHistory& h = history(l);
  if (!h.widen(spec, seq_ > 0)) return false;
  log_lines({json{{"retention", h.retention(false)}}});
  return true;
}

void ScoringService::log_lines(const std::vector<json>& lines) {
  if (!log_) return;
  log_->append(lines);
  if (log_->wants_compaction(kept_count())) log_->compact(snapshot_lines());
}

size_t ScoringService::kept_count() const {
  size_t n = history_ ? history_->events() : 0;
  for (const auto& [key, w] : windows_) n += w.events.size();
  return n;
}

std::shared_ptr<const ScoringService::Loaded> ScoringService::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return loaded_;
}

ServedModel ScoringService::served() const { return current()->model; }

namespace {
PreparedData prepare_rows(const ScoringService::Loaded& l, const json& rows) {
  return prepare_table(read_request_rows(rows, l.csv), l.plan, "request");
}

// Rows of tables with the same columns (prepared by one bundle: categorical codes share the
// training dictionary), one after another.
Table concat(const std::deque<ScoringService::WindowEvent>& parts, const Table& last) {
  Table out;
  for (size_t c = 0; c < last.cols(); ++c) {
    Column col;
    col.name = last.col(c).name;
    col.type = last.col(c).type;
    col.dict = last.col(c).dict;
    for (const Table* t : [&] {
           std::vector<const Table*> all;
           for (const auto& p : parts) all.push_back(&p.features);
           all.push_back(&last);
           return all;
         }()) {
      const Column& from = t->at(col.name, "history");
      if (col.coded()) col.codes.insert(col.codes.end(), from.codes.begin(), from.codes.end());
      else
        for (size_t r = 0; r < from.size(); ++r) col.num.push_back(from.value(r));  // narrow ones widened: exact
    }
    if (last.col(c).f32) col.narrow();  // as the bundle made it (lossless: the values are floats)
    out.add(std::move(col));
  }
  return out;
}
}  // namespace

namespace {
// A key that is no column of the training data is most likely a typo of one (PAY_O for PAY_0):
// refused with the name it is closest to, as a misspelt YAML key is.
void check_known_columns(const json& rows, const ScoringService::Loaded& l, const char* what) {
  if (!rows.is_array()) return;
  for (size_t r = 0; r < rows.size(); ++r)
    if (rows[r].is_object())
      for (const auto& [k, v] : rows[r].items())
        if (!l.known_columns.count(k))
          throw RequestError(std::string(what) + "[" + std::to_string(r) + "]." + k + ": no such column in the model's data" +
                             did_you_mean(k, l.column_names) + " (GET /v1/model lists them)");
}
}  // namespace

std::vector<ordered_json> ScoringService::results_for(const Loaded& l, const json& rows, const PredictOptions& opt,
                                                     size_t* unseen) {
  if (rows.is_array() && rows.empty()) return {};
  return results_from(l, prepare_rows(l, rows), opt, unseen);
}

std::vector<ordered_json> ScoringService::results_from(const Loaded& l, PreparedData prepared, const PredictOptions& opt,
                                                      size_t* unseen) {
  const LoadedBundle& b = l.bundle;
  std::vector<ordered_json> out;
  Scored sc = score_rows(b, std::move(prepared), opt);
  if (unseen) *unseen = sc.unseen_categories;
  std::vector<std::string> classes = b.manifest.value("classes", std::vector<std::string>{});
  size_t k = classes.size();
  const json* texts = b.manifest.contains("reason_codes") ? &b.manifest["reason_codes"] : nullptr;
  const Explanation& e = sc.explanation;
  for (size_t r = 0; r < sc.rows; ++r) {
    ordered_json one;
    if (!sc.ids.empty()) one["id"] = sc.ids[r];
    if (k) {
      one["class"] = classes[sc.predicted[r]];
      ordered_json by_class;
      for (size_t c = 0; c < k; ++c) by_class[classes[c]] = number_or_null(sc.scores[r * k + c]);
      one["scores"] = by_class;
    } else {
      one["score"] = number_or_null(sc.scores[r]);
    }
    bool explained = (opt.explain || opt.explain_all) && r < e.margin.size() && !std::isnan(e.margin[r]);
    if (explained && opt.explain_all) {
      ordered_json c;
      for (size_t j = 0; j < e.columns.size(); ++j) c[e.columns[j]] = e.values[r * e.columns.size() + j];
      one["contributions"] = c;
      one["bias"] = e.bias[r];
      one["margin"] = e.margin[r];
    } else if (explained) {
      ordered_json reasons = ordered_json::array();
      for (const Reason& why : top_reasons(e, r, opt.explain)) {
        ordered_json x = {{"column", why.column}};
        if (texts) x["text"] = texts->value(why.column, why.column);
        x["contribution"] = why.contribution;
        reasons.push_back(x);
      }
      one["reasons"] = reasons;
    }
    out.push_back(std::move(one));
  }
  return out;
}

ordered_json ScoringService::score(const json& req) const {
  std::shared_ptr<const Loaded> l = current();  // this request's bundle, whatever happens meanwhile
  json rows = request_rows(req);
  check_known_columns(rows, *l, "rows");
  PredictOptions opt = explain_option(req);
  ordered_json out;
  out["model"] = model_identity(l->model, l->bundle.manifest, l->manifest_sha256);
  size_t unseen = 0;
  std::vector<ordered_json> results = results_for(*l, rows, opt, &unseen);
  if (recorder_) offer_samples(*l, "/v1/score", rows, results);
  out["results"] = std::move(results);
  if (unseen) out["unseen_categories"] = unseen;
  return out;
}

std::optional<std::string> ScoringService::score_text(std::string_view body) const {
  if (recorder_) return std::nullopt;
  std::shared_ptr<const Loaded> l = current();
  if (!l->fast) return std::nullopt;
  thread_local std::vector<FlatField> fields;
  thread_local RowProgram::Row row;
  thread_local FeatureMatrix x;  // kept between requests: its buffers are reused
  if (!read_flat_row(body, fields) || !l->fast->run(fields, row)) return std::nullopt;
  x.rows = 1;
  x.cols = row.features.size();
  x.values.assign(row.features.begin(), row.features.end());
  if (x.names != l->fast->features()) x.names = l->fast->features();  // as build_matrix names them
  std::vector<double> scores = l->bundle.model->predict(x);
  if (scores.size() != 1) return std::nullopt;
  // {"model": ..., "results": [{"id": ..., "score": ...}], "unseen_categories": N}, as score() builds it.
  std::string out;
  out.reserve(l->identity_text.size() + 96);
  out += "{\"model\":";
  out += l->identity_text;
  out += ",\"results\":[{";
  if (row.has_id) {
    out += "\"id\":";
    out += ordered_json(row.id).dump();
    out += ',';
  }
  out += "\"score\":";
  out += number_or_null(scores[0]).dump();
  out += "}]";
  if (row.unseen_categories) {
    out += ",\"unseen_categories\":";
    out += std::to_string(row.unseen_categories);
  }
  out += '}';
  fast_answers_.fetch_add(1, std::memory_order_relaxed);
  return out;
}

void ScoringService::offer_samples(const Loaded& l, const char* route, const json& rows,
                                   const std::vector<ordered_json>& results) const {
  if (!recorder_ || !rows.is_array() || rows.size() != results.size()) return;
  SampleSource from;
  from.model = l.model.name.empty() ? l.bundle.manifest.value("pipeline", "") : l.model.name;
  from.version = l.model.version;
  from.manifest_sha256 = l.manifest_sha256;
  for (size_t i = 0; i < rows.size(); ++i) recorder_->offer(from, route, rows[i], results[i]);
}

namespace {
// An event's time as training read it (the datetime column's format), in epoch seconds.
double event_time(const json& event, size_t i, const std::string& column, const CsvOptions& csv) {
  if (!event.contains(column) || event[column].is_null())
    throw RequestError("events[" + std::to_string(i) + "]: no `" + column + "` (the time the history features are computed at)");
  json one = json::object({{column, event[column]}});
  Table t = read_request_rows(json::array({one}), csv);
  const Column& c = t.at(column, "events");
  double v = c.as_double(0);
  if (c.type != ColumnType::kDatetime && c.type != ColumnType::kNumeric) v = std::nan("");
  if (std::isnan(v))
    throw RequestError("events[" + std::to_string(i) + "]." + column + ": " + event[column].dump() + " is not a time");
  return v;
}
}  // namespace

bool ScoringService::uses_history() const { return current()->keeps_history; }

EventHistory& ScoringService::history(const Loaded& l) {
  if (!history_) history_ = std::make_unique<EventHistory>(history_spec(l.bundle.preprocess, l.bundle.manifest));
  return *history_;
}

std::optional<ordered_json> ScoringService::take_event(const Loaded& l, const json& ev, size_t i, bool scoring,
                                                        const PredictOptions& opt) {
  EventHistory& h = history(l);
  const HistorySpec& spec = h.spec();
  const json& pre = l.bundle.preprocess;
  bool sequence = l.bundle.manifest.value("sequence", false);
  std::string time = spec.needed() ? spec.time : sequence ? pre["sequences"].value("time", "") : "";
  if (!ev.is_object()) throw RequestError("events[" + std::to_string(i) + "]: expected an object of column: value");
  double t = time.empty() ? 0 : event_time(ev, i, time, l.csv);
  if (!time.empty() && t < latest_)
    throw RequestError("events[" + std::to_string(i) + "] at " + ev[time].dump() +
                       " is before the latest event already taken: send events in time order");
  std::optional<ordered_json> result;
  bool complete = h.covers(l.need, t);  // every earlier event its windows read is kept
  uint64_t seq = seq_;
  if (!sequence) {
    if (scoring) result = results_for(l, h.context(ev), opt, nullptr).back();
  } else {
    // The event's own features (its history transforms over its entities' kept events), then
    // its window: the entity's last max_len events' features, kept as they were computed.
    const json& sq = pre["sequences"];
    std::string entity = sq["entity"].get<std::string>();
    size_t max_len = sq["max_len"].get<size_t>();
    if (windows_entity_.empty()) {
      windows_entity_ = entity;
      windows_max_len_ = max_len;
      windows_sha_ = l.manifest_sha256;
    }
    PreparedData p = prepare_rows(l, h.context(ev));
    Table own = p.table.take({uint32_t(p.table.rows() - 1)});
    std::string key = request_cell(ev.contains(entity) ? ev[entity] : json(), i, entity);
    auto [it, is_new] = windows_.try_emplace(key);
    Window& window = it->second;
    if (is_new) window.partial = windows_cut_;
    for (const auto& e : window.events) complete = complete && e.exact;
    // A cut window is whole again once it holds max_len events of its own.
    complete = complete && (!window.partial || window.events.size() >= max_len);
    if (scoring) {
      PreparedData frame;
      frame.table = concat(window.events, own);
      result = results_from(l, std::move(frame), opt, nullptr).back();
    }
    window.events.push_back(WindowEvent{ev, t, seq, std::move(own), h.covers(l.need, t)});
    // max_len earlier events: the oldest is only the predecessor whose time gap the first event
    // of the window has (build_sequences' log_time_gap).
    while (window.events.size() > max_len) window.events.pop_front();
    if (window.partial && window.events.size() >= max_len) {
      bool all_exact = true;
      for (const auto& e : window.events) all_exact = all_exact && e.exact;
      if (all_exact) window.partial = false;
    }
  }
  if (result && !complete) {
    (*result)["history_complete"] = false;
    ++cut_scores_;
  }
  if (spec.needed()) h.add(ev, t, seq);
  latest_ = std::max(latest_, t);
  ++seq_;
  return result;
}

void ScoringService::rebuild_windows(const Loaded& next) {
  const json& sq = next.bundle.preprocess["sequences"];
  std::string entity = sq["entity"].get<std::string>();
  size_t max_len = sq["max_len"].get<size_t>();
  EventHistory& h = history(next);
  if (entity != windows_entity_) {
    // Windows of another column: each entity's begins now, and may lack its earlier events...
    windows_.clear();
    windows_cut_ = seq_ > 0;
    windows_sha_.clear();  // (their features are computed below)
    // ...unless the history keeps that column: an entity's kept events are all of its events
    // since the oldest kept, so its last max_len of them are its window, whole once there are
    // max_len (fewer may lack older ones that aged out, unless none ever did).
    bool whole = h.whole(entity);
    for (const auto& [key, events] : h.by_entity(entity)) {
      Window& w = windows_[key];
      size_t from = events.size() > max_len ? events.size() - max_len : 0;
      for (size_t i = from; i < events.size(); ++i) w.events.push_back(WindowEvent{*events[i].row, events[i].t, events[i].seq, Table(), true});
      w.partial = windows_cut_ && !whole && w.events.size() < max_len;
    }
    // A new entity's window is whole too when the column has kept every event.
    if (whole) windows_cut_ = false;
  } else if (max_len > windows_max_len_) {
    for (auto& [key, w] : windows_)
      if (w.events.size() >= windows_max_len_) w.partial = true;  // it was cut at the old length
  }
  for (auto& [key, w] : windows_)
    while (w.events.size() > max_len) w.events.pop_front();
  windows_entity_ = entity;
  windows_max_len_ = max_len;
  if (windows_sha_ == next.manifest_sha256) return;
  windows_sha_ = next.manifest_sha256;
  if (windows_.empty()) return;
  // The windows' events' features as the new bundle computes them, in one pass over the kept
  // events and the windows' own in arrival order (its history transforms are point in time:
  // a row reads only the rows before it, as each event did when it came).
  std::map<uint64_t, const json*> rows;
  for (const auto& [q, row] : h.kept_rows()) rows[q] = row;  // with the labels that came since
  for (const auto& [key, w] : windows_)
    for (const auto& e : w.events) rows.emplace(e.seq, &e.raw);
  json all = json::array();
  std::map<uint64_t, uint32_t> at;
  for (const auto& [q, row] : rows) {
    at[q] = uint32_t(all.size());
    all.push_back(*row);
  }
  PreparedData p = prepare_rows(next, all);
  for (auto& [key, w] : windows_)
    for (auto& e : w.events) {
      e.features = p.table.take({at.at(e.seq)});
      e.exact = h.covered_then(next.need, e.t);
    }
}

ordered_json ScoringService::events(const json& req) {
  std::lock_guard<std::mutex> lock(history_mu_);
  std::shared_ptr<const Loaded> l = current();
  if (!req.is_object() || !req.contains("events") || !req["events"].is_array())
    throw RequestError("the body should be {\"events\": [{...}, ...]} (in time order)");
  for (const auto& [k, v] : req.items())
    if (k != "events" && k != "score" && k != "explain")
      throw RequestError("unknown key '" + k + "'" + did_you_mean(k, {"events", "score", "explain"}) +
                         "; an events request has events, score and explain");
  if (l->bundle.manifest.value("sequence", false) &&
      l->bundle.preprocess["sequences"].value("label_level", "event") != "event")
    throw RequestError("/v1/events scores events; this sequence model scores entities (label_level: entity)");
  if (req.contains("score") && !req["score"].is_boolean()) throw RequestError("`score` is true or false");
  bool scoring = req.value("score", true);
  PredictOptions opt = explain_option(req);
  EventHistory& h = history(*l);
  const json& events = req["events"];
  if (events.size() > kMaxRows)
    throw RequestError("at most " + std::to_string(kMaxRows) + " events per request (got " + std::to_string(events.size()) + ")");
  ordered_json out;
  out["model"] = model_identity(l->model, l->bundle.manifest, l->manifest_sha256);
  out["results"] = ordered_json::array();
  std::vector<json> taken;  // logged even when a later event fails: they are in the history
  auto log_taken = [&] { log_lines(taken); };
  check_known_columns(events, *l, "events");
  try {
    for (size_t i = 0; i < events.size(); ++i) {
      std::optional<ordered_json> r = take_event(*l, events[i], i, scoring, opt);
      if (l->keeps_history) taken.push_back(json{{"event", events[i]}});
      if (r && recorder_) offer_samples(*l, "/v1/events", json::array({events[i]}), {*r});
      if (r) out["results"].push_back(std::move(*r));
    }
  } catch (...) {
    log_taken();
    throw;
  }
  log_taken();
  out["history"] = {{"events", h.events()}, {"entities", h.entities() + windows_.size()}};
  return out;
}

ordered_json ScoringService::labels(const json& req) {
  std::lock_guard<std::mutex> lock(history_mu_);
  if (!req.is_object() || !req.contains("labels") || !req["labels"].is_array())
    throw RequestError("the body should be {\"labels\": [{\"id\": ..., \"label\": ...}, ...]}");
  std::shared_ptr<const Loaded> l = current();
  EventHistory& h = history(*l);
  size_t applied = 0;
  ordered_json unknown = ordered_json::array();
  std::vector<json> taken;
  for (size_t i = 0; i < req["labels"].size(); ++i) {
    const json& x = req["labels"][i];
    if (!x.is_object() || !x.contains("id") || !x.contains("label"))
      throw RequestError("labels[" + std::to_string(i) + "]: expected {\"id\": ..., \"label\": ...}");
    std::string id = request_cell(x["id"], i, "id");
    if (h.set_label(id, x["label"])) {
      ++applied;
      taken.push_back(json{{"label", {{"id", x["id"]}, {"label", x["label"]}}}});
    } else {
      unknown.push_back(id);
    }
  }
  log_lines(taken);
  return {{"applied", applied}, {"not_kept", unknown}};
}

namespace {
HistorySpec spec_of_retention(const json& r, const HistorySpec& like) {
  HistorySpec s = like;
  s.time = r.value("time", like.time);
  s.keep_s.clear();
  for (const auto& [column, c] : r.at("columns").items()) s.keep_s[column] = c.at("keep_s").get<double>();
  return s;
}
}  // namespace

size_t ScoringService::keep_history_in(const std::filesystem::path& file, size_t snapshot_every) {
  std::lock_guard<std::mutex> lock(history_mu_);
  std::shared_ptr<const Loaded> l = current();
  EventHistory& h = history(*l);
  auto opened = std::make_unique<HistoryLog>(file, snapshot_every);
  for (size_t i = 0; i < opened->entries().size(); ++i) try {
    const json& e = opened->entries()[i];
    if (e.contains("event")) {
      take_event(*l, e["event"], i, /*scoring=*/false, PredictOptions{});
    } else if (e.contains("label")) {
      if (e["label"].is_object() && e["label"].contains("id"))
        h.set_label(request_cell(e["label"]["id"], i, "id"), e["label"].value("label", json()));
    } else if (e.contains("retention")) {
      // A snapshot's first line, or the history widened (an alias moved) at this point.
      if (seq_ == 0 && h.events() == 0) h.set_retention(e["retention"]);
      else h.widen(spec_of_retention(e["retention"], h.spec()), seq_ > 0);
    } else if (e.contains("state")) {
      const json& st = e["state"];
      latest_ = std::max(latest_, st.at("latest").get<double>());
      seq_ = std::max(seq_, st.at("seq").get<uint64_t>());
      if (st.contains("windows")) {
        const json& w = st["windows"];
        windows_entity_ = w.at("entity").get<std::string>();
        windows_max_len_ = w.at("max_len").get<size_t>();
        windows_sha_ = w.at("sha").get<std::string>();
        windows_cut_ = w.at("cut").get<bool>();
      }
    } else if (e.contains("kept")) {  // a snapshot's event: in the history, not in a window
      const json& k = e["kept"];
      double t = event_time(k.at("event"), i, h.spec().time, l->csv);
      h.add(k["event"], t, k.at("seq").get<uint64_t>());
    } else if (e.contains("window")) {
      const json& w = e["window"];
      Window& win = windows_[w.at("entity").get<std::string>()];
      win.partial = w.at("partial").get<bool>();
      for (const auto& x : w.at("events"))
        win.events.push_back(WindowEvent{x.at("event"), x.at("t").get<double>(), x.at("seq").get<uint64_t>(),
                                         decode_feature_row(x.at("features"), "window of " + w["entity"].dump()),
                                         x.at("exact").get<bool>()});
    }
  } catch (const Error& e) {
    throw ConfigError(file.string() + ": entry " + std::to_string(i + 1) + ": " + e.what());
  } catch (const json::exception& e) {
    throw ConfigError(file.string() + ": entry " + std::to_string(i + 1) + ": " + e.what());
  }
  opened->clear_entries();
  log_ = std::move(opened);
  // The served version may be another than the one the history was written for.
  widen_locked(*l, l->need);
  if (l->bundle.manifest.value("sequence", false) && !windows_.empty()) rebuild_windows(*l);
  if (log_->wants_compaction(kept_count())) log_->compact(snapshot_lines());
  return seq_;  // every event the history has taken, those a snapshot stands for included
}

std::vector<json> ScoringService::snapshot_lines() const {
  std::vector<json> out;
  if (history_) out.push_back(json{{"retention", history_->retention(/*snapshot=*/true)}});
  json st = {{"latest", latest_}, {"seq", seq_}};
  if (!windows_entity_.empty())
    st["windows"] = {{"entity", windows_entity_}, {"max_len", windows_max_len_}, {"sha", windows_sha_}, {"cut", windows_cut_}};
  out.push_back(json{{"state", st}});
  if (history_)
    for (const auto& [q, row] : history_->kept_rows()) out.push_back(json{{"kept", {{"seq", q}, {"event", *row}}}});
  for (const auto& [key, w] : windows_) {
    json events = json::array();
    for (const auto& e : w.events)
      events.push_back({{"seq", e.seq}, {"t", e.t}, {"event", e.raw}, {"exact", e.exact}, {"features", encode_feature_row(e.features)}});
    out.push_back(json{{"window", {{"entity", key}, {"partial", w.partial}, {"events", events}}}});
  }
  return out;
}

ordered_json ScoringService::describe() const {
  std::shared_ptr<const Loaded> l = current();
  const json& m = l->bundle.manifest;
  const json& ing = l->bundle.preprocess.at("ingest");
  ordered_json out = model_identity(l->model, m, l->manifest_sha256);
  out["pipeline"] = m.value("pipeline", "");
  out["trainer"] = m.value("trainer", "");
  out["task"] = m.value("task", "");
  out["created_at"] = m.value("created_at", "");
  out["mlpipe_version"] = m.value("mlpipe_version", "");
  std::vector<std::string> features = m.value("features", std::vector<std::string>{});
  out["features"] = features;
  // What a request sends: the training columns the model reads, with the type they were read as.
  std::set<std::string> needed = columns_needed(l->bundle.preprocess, features);
  ordered_json columns = ordered_json::array();
  for (const auto& c : ing.at("columns")) {
    std::string name = c.at("name").get<std::string>();
    if (!needed.count(name)) continue;
    ordered_json col = {{"name", name}, {"type", c.value("type", "numeric")}};
    if (c.contains("categories")) col["categories"] = c["categories"].size();
    columns.push_back(col);
  }
  out["columns"] = columns;
  out["label"] = m.value("label", "");
  out["id"] = m.value("id", "");
  if (m.contains("classes")) out["classes"] = m["classes"];
  out["sequence"] = m.value("sequence", false);
  out["explains"] = m.value("sequence", false) || l->bundle.model->explains();
  if (m.contains("evaluation")) out["evaluation"] = ordered_json::parse(m["evaluation"].dump());
  ordered_json files;
  for (const auto& [name, info] : m.at("files").items()) files[name] = info.value("sha", "");
  out["files"] = files;
  out["files_hash_algorithm"] = m.value("files_hash_algorithm", "xxh3-128");
  return out;
}

}  // namespace mlpipe
