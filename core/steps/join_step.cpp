// join: brings a second table's columns onto the rows of a first (two steps it needs): by key,
// or point in time (as_of): each row gets the entity's latest right row known at its time.
// `predict` then takes the joined rows as one file (the bundle lists the brought columns).
#include <algorithm>

#include "core/data/datetime.h"
#include "core/data/table_join.h"
#include "core/steps/steps.h"
#include "core/util/error.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {
namespace {

const Schema& join_schema() {
  static const Schema s = with_common_keys({
      {"left", Kind::kString, false, {}, "the step whose rows are kept (default: the first of needs)"},
      {"right", Kind::kString, false, {}, "the step whose columns are brought (default: the second of needs)"},
      {"on", Kind::kAny, true, {}, "key column(s): NAME, [A, B], or {LEFT_NAME: RIGHT_NAME}"},
      {"how", Kind::kString, false, {"left", "inner"}, "left (default: rows without a match get missing values) or inner (they are dropped)"},
      {"as_of", Kind::kMap, false, {}, "point in time: {time: LEFT_TIME, right_time: RIGHT_TIME, delay: 1d, max_age: 30d}"},
      {"columns", Kind::kStrings, false, {}, "right columns to bring (default: all but its keys and time)"},
      {"prefix", Kind::kString, false, {}, "put before each brought column's name (e.g. acct_)"},
  });
  return s;
}

const Schema& as_of_schema() {
  static const Schema s = {
      {"time", Kind::kString, true, {}, "the left table's time column (the label's time)"},
      {"right_time", Kind::kString, false, {}, "the right table's time column (default: the same name)"},
      {"delay", Kind::kString, false, {}, "only right rows at least this old (e.g. 1d: data lands a day late)"},
      {"max_age", Kind::kString, false, {}, "and at most this old (older matches count as none)"},
  };
  return s;
}

std::pair<std::vector<std::string>, std::vector<std::string>> keys_of(const json& on) {
  std::vector<std::string> l, r;
  if (on.is_object()) {
    for (const auto& [a, b] : on.items()) {
      l.push_back(a);
      r.push_back(b.is_string() ? b.get<std::string>() : "");
    }
  } else {
    l = r = as_strings(on);
  }
  return {l, r};
}

std::pair<std::string, std::string> sides(const StepSpec& spec) {
  const json& cfg = spec.config;
  std::string left = get_string(cfg, "left", spec.needs.size() > 0 ? spec.needs[0] : "");
  std::string right = get_string(cfg, "right", "");
  if (right.empty())
    for (const auto& n : spec.needs)
      if (n != left) {
        right = n;
        break;
      }
  return {left, right};
}

void check_join(const StepSpec& spec, const ConfigChecker& check, const Pipeline& p) {
  check.check_object(spec.config, spec.path, join_schema());
  const json& cfg = spec.config;
  if (spec.needs.size() != 2)
    check.fail_key(spec.path, "a join needs two steps (needs: [rows, columns_from]), it has " + std::to_string(spec.needs.size()));
  auto [left, right] = sides(spec);
  for (const char* k : {"left", "right"})
    if (cfg.contains(k) && std::find(spec.needs.begin(), spec.needs.end(), get_string(cfg, k, "")) == spec.needs.end())
      check.fail_value(child_path(spec.path, k), std::string(k) + ": '" + get_string(cfg, k, "") + "' is not one of needs (" +
                                                     join(spec.needs, ", ") + ")" + did_you_mean(get_string(cfg, k, ""), spec.needs));
  if (left == right) check.fail_key(spec.path, "left and right are the same step '" + left + "'");
  const json& on = cfg["on"];
  bool ok = on.is_string() || (on.is_array() && !on.empty() && std::all_of(on.begin(), on.end(), [](const json& v) { return v.is_string(); })) ||
            (on.is_object() && !on.empty() && std::all_of(on.begin(), on.end(), [](const json& v) { return v.is_string(); }));
  if (!ok) check.fail_value(child_path(spec.path, "on"), "on must be a column, a list of columns, or {LEFT: RIGHT}, got " + describe(on));
  if (ok && spec.needs.size() == 2) {  // keys and times on their sides, all errors at once
    auto [lk, rk] = keys_of(on);
    std::string onp = child_path(spec.path, "on");
    std::vector<std::pair<std::string, std::string>> l, r;
    for (size_t i = 0; i < lk.size(); ++i) {
      std::string at = on.is_array() ? child_path(onp, std::to_string(i)) : on.is_object() ? child_path(onp, lk[i]) : onp;
      l.push_back({at, lk[i]});
      r.push_back({at, rk[i]});
    }
    if (cfg.contains("as_of") && cfg["as_of"].is_object() && cfg["as_of"].contains("time") && cfg["as_of"]["time"].is_string()) {
      std::string t = cfg["as_of"]["time"].get<std::string>();
      l.push_back({child_path(child_path(spec.path, "as_of"), "time"), t});
      r.push_back({child_path(child_path(spec.path, "as_of"), cfg["as_of"].contains("right_time") ? "right_time" : "time"),
                   cfg["as_of"].value("right_time", t)});
    }
    if (cfg.contains("columns"))
      for (const auto& c : as_strings(cfg["columns"])) r.push_back({child_path(spec.path, "columns"), c});
    std::vector<std::string> errors;
    for (auto [side, named] : {std::pair{left, &l}, std::pair{right, &r}}) try {
        check_columns_exist(check, columns_after(p, side), *named, "in the table of step '" + side + "'");
      } catch (const ConfigError& e) {
        errors.push_back(e.what());
      }
    if (!errors.empty()) throw ConfigError(join(errors, "\n"));
  }
  if (cfg.contains("as_of") && cfg["as_of"].is_object()) {
    std::string ap = child_path(spec.path, "as_of");
    check.check_object(cfg["as_of"], ap, as_of_schema());
    for (const char* k : {"delay", "max_age"})
      if (cfg["as_of"].contains(k) && (!cfg["as_of"][k].is_string() || !parse_duration(cfg["as_of"][k].get<std::string>())))
        check.fail_value(child_path(ap, k), std::string(k) + " must be a duration such as 12h, 1d or 7d, got " + describe(cfg["as_of"][k]));
  }
}

Flow run_join(StepContext& ctx) {
  const json& cfg = ctx.cfg;
  auto [left_name, right_name] = sides(ctx.spec);
  const Flow* lf = nullptr;
  const Flow* rf = nullptr;
  for (const auto& [name, flow] : ctx.inputs_by_step) {
    if (name == left_name) lf = &flow;
    if (name == right_name) rf = &flow;
  }
  if (!lf || !rf || !lf->frame || !rf->frame)
    throw StepError("join: steps '" + left_name + "' and '" + right_name + "' must both give a table");
  const Frame& l = *lf->frame;
  const Frame& r = *rf->frame;
  if (r.has_split()) throw StepError("join: the right table ('" + right_name + "') was split; join before the split step");
  for (const Flow* f : {lf, rf})
    if (f->preprocess && ((f->preprocess->contains("transforms") && !(*f->preprocess)["transforms"].empty()) ||
                          f->preprocess->contains("sequences")))
      throw StepError("join: join tables before features and sequences steps (predict replays the join's columns as read)");

  JoinSpec spec;
  std::tie(spec.left_keys, spec.right_keys) = keys_of(cfg["on"]);
  spec.prefix = get_string(cfg, "prefix", "");
  spec.inner = get_string(cfg, "how", "left") == "inner";
  if (cfg.contains("as_of")) {
    const json& a = cfg["as_of"];
    spec.left_time = a["time"].get<std::string>();
    spec.right_time = a.value("right_time", spec.left_time);
    spec.delay = *parse_duration(a.value("delay", "0s"));
    if (a.contains("max_age")) spec.max_age = *parse_duration(a["max_age"].get<std::string>());
  }
  if (cfg.contains("columns")) {
    spec.columns = as_strings(cfg["columns"]);
  } else {
    for (const auto& c : r.table.columns())
      if (std::find(spec.right_keys.begin(), spec.right_keys.end(), c.name) == spec.right_keys.end() &&
          c.name != spec.right_time && c.name != r.label)
        spec.columns.push_back(c.name);
  }
  JoinResult j = join_tables(l.table, r.table, spec);

  auto out = std::make_shared<Frame>(l);
  out->table = std::move(j.table);
  if (l.has_split()) {
    std::vector<uint8_t> split(j.left_rows.size());
    for (size_t i = 0; i < split.size(); ++i) split[i] = l.split[j.left_rows[i]];
    out->split = std::move(split);
  }
  for (const auto& c : r.not_features)
    if (std::find(spec.columns.begin(), spec.columns.end(), c) != spec.columns.end()) out->not_features.push_back(spec.prefix + c);

  // The bundle's schema gains the brought columns, typed (and with categories) as the right
  // table's ingest read them: predict then reads a file of the joined rows.
  auto pre = std::make_shared<json>(lf->preprocess ? *lf->preprocess : json::object());
  if (pre->contains("ingest") && rf->preprocess && rf->preprocess->contains("ingest"))
    for (const auto& col : spec.columns)
      for (const auto& c : (*rf->preprocess)["ingest"]["columns"])
        if (c["name"] == col) {
          json renamed = c;
          renamed["name"] = spec.prefix + col;
          (*pre)["ingest"]["columns"].push_back(renamed);
        }

  ctx.metric("rows", double(out->table.rows()));
  ctx.metric("matched", double(j.matched));
  ctx.summary(std::to_string(out->table.rows()) + " rows of " + left_name + " + " + std::to_string(spec.columns.size()) +
              " columns of " + right_name + "; " + std::to_string(j.matched) + " matched" +
              (spec.left_time.empty() ? "" : " as of " + spec.left_time + (spec.delay > 0 ? " - " + cfg["as_of"].value("delay", "") : "")) +
              (spec.inner ? "" : (j.matched < l.table.rows() ? ", " + std::to_string(l.table.rows() - j.matched) + " without (missing values)" : "")));
  Flow flow;
  flow.frame = out;
  flow.preprocess = pre;
  return flow;
}

}  // namespace

StepType join_step_type() {
  return {"join", "bring a second table's columns onto the rows of a first: by key, or point in time (as_of)",
          check_join, run_join, join_schema()};
}

}  // namespace mlpipe
