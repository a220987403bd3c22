#include "core/store/runs_table.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include "core/data/datetime.h"
#include "core/util/clock.h"
#include "core/util/error.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {
namespace {

const std::vector<std::string>& base_columns() {
  static const std::vector<std::string> c = {"run_id", "name", "pipeline", "status", "started_at", "duration_s", "git", "tags", "parent_run"};
  return c;
}

// ---- filter expressions: clauses NAME OP VALUE joined by `and` (binding tighter) and `or` ----

struct Clause {
  std::string name, op;
  json value;
};
using Expression = std::vector<std::vector<Clause>>;  // or of ands

std::vector<std::string> tokens_of(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  auto fail = [&](const std::string& why) {
    throw ConfigError("--filter \"" + text + "\": " + why + " at column " + std::to_string(i + 1));
  };
  while (i < text.size()) {
    char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) { ++i; continue; }
    if (c == '\'' || c == '"' || c == '`') {  // quoted text; `backticks` quote a column name
      size_t end = text.find(c, i + 1);
      if (end == std::string::npos) fail(std::string("no closing ") + c);
      out.push_back(std::string(1, c) + text.substr(i + 1, end - i - 1));
      i = end + 1;
      continue;
    }
    if (std::string("<>=!").find(c) != std::string::npos) {
      size_t len = (i + 1 < text.size() && text[i + 1] == '=') ? 2 : 1;
      std::string op = text.substr(i, len);
      if (op == "!") fail("'!' must be '!='");
      out.push_back(op);
      i += len;
      continue;
    }
    size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j])) && std::string("<>=!'\"`").find(text[j]) == std::string::npos) ++j;
    out.push_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

json value_of(const std::string& token) {
  if (!token.empty() && (token[0] == '\'' || token[0] == '"')) return token.substr(1);
  char* end = nullptr;
  double v = std::strtod(token.c_str(), &end);
  if (!token.empty() && end && *end == 0) return v;
  return token;
}

Expression parse_filter(const std::string& text) {
  std::vector<std::string> t = tokens_of(text);
  Expression e(1);
  size_t i = 0;
  auto fail = [&](const std::string& why) { throw ConfigError("--filter \"" + text + "\": " + why); };
  static const std::set<std::string> ops = {"=", "==", "!=", "<", "<=", ">", ">="};
  while (i < t.size()) {
    if (i + 2 >= t.size() + 0 && i + 3 > t.size()) fail("expected NAME OP VALUE, e.g. evaluate.auc > 0.78, after '" + join(std::vector<std::string>(t.begin(), t.begin() + long(i)), " ") + "'");
    std::string name = t[i][0] == '`' ? t[i].substr(1) : t[i];
    if (!ops.count(t[i + 1])) fail("'" + t[i + 1] + "' is not a comparison (use =, !=, <, <=, >, >=)");
    e.back().push_back({name, t[i + 1] == "==" ? "=" : t[i + 1], value_of(t[i + 2])});
    i += 3;
    if (i == t.size()) break;
    std::string joiner = t[i];
    std::transform(joiner.begin(), joiner.end(), joiner.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    if (joiner == "or") e.emplace_back();
    else if (joiner != "and") fail("expected 'and' or 'or' after a comparison, got '" + t[i] + "'");
    if (++i == t.size()) fail("nothing after '" + joiner + "'");
  }
  if (t.empty()) fail("empty");
  return e;
}

bool compare(const json& cell, const std::string& op, const json& value) {
  if (cell.is_null()) return op == "!=";  // a run without the column: only != matches
  int c;
  if (cell.is_number() && value.is_number()) {
    double a = cell.get<double>(), b = value.get<double>();
    c = a < b ? -1 : a > b ? 1 : 0;
  } else {
    std::string a = cell.is_string() ? cell.get<std::string>() : cell.dump();
    std::string b = value.is_string() ? value.get<std::string>() : format_double(value.get<double>());
    c = a.compare(b) < 0 ? -1 : a.compare(b) > 0 ? 1 : 0;
  }
  return op == "=" ? c == 0 : op == "!=" ? c != 0 : op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : c >= 0;
}

// A column named in a filter or sort: itself, else the one column it is a dotted suffix of, else
// STEP.KEY for STEP.SPLIT.KEY.
size_t resolve_column(const std::string& name, const std::vector<std::string>& columns, const char* where) {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return i;
  std::vector<size_t> hits;
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string& c = columns[i];
    if (c.size() > name.size() && c.compare(c.size() - name.size(), name.size(), name) == 0 && c[c.size() - name.size() - 1] == '.')
      hits.push_back(i);
  }
  if (hits.size() == 1) return hits[0];
  if (hits.size() > 1) {  // one outside config.*: eta is params.eta rather than config.train.params.eta
    std::vector<size_t> outside;
    for (size_t h : hits)
      if (!starts_with(columns[h], "config.")) outside.push_back(h);
    if (outside.size() == 1) return outside[0];
    std::vector<std::string> names;
    for (size_t h : hits) names.push_back(columns[h]);
    throw ConfigError(std::string(where) + ": '" + name + "' could be any of " + join(names, ", ") + "; name one");
  }
  throw ConfigError(std::string(where) + ": no column '" + name + "' in these runs" + did_you_mean(name, columns) +
                    " (columns: run_id, name, status, params.*, STEP.KEY metrics; `mlpipe runs list --columns '*'` shows them all)");
}

// As started_at is written ("2026-11-30T08:00:00.000Z"), so that text comparison orders them.
std::string since_bound(const std::string& since) {
  if (since.empty()) return "";
  auto iso = [](std::string t) {
    if (t.size() > 10) t[10] = 'T';
    return t;
  };
  if (std::optional<double> d = parse_duration(since)) {
    double now = double(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    return iso(format_datetime(now - *d));
  }
  if (std::optional<double> t = parse_datetime(since)) return iso(format_datetime(*t));
  throw ConfigError("--since " + since + ": expected a date (2026-11-30), a date and time, or a duration back from now (7d, 12h)");
}

std::string sql_text(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}

}  // namespace

QueryResult runs_table(Db& db, const RunsTableOptions& opt) {
  // The candidate runs, newest first.
  std::string where = " WHERE 1 = 1";
  if (!opt.pipeline.empty()) where += " AND r.pipeline = " + sql_text(opt.pipeline);
  if (!opt.status.empty()) where += " AND r.status = " + sql_text(opt.status);
  if (std::string b = since_bound(opt.since); !b.empty()) where += " AND r.started_at >= " + sql_text(b);
  std::string archived_run = "EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.run_id AND t.key = 'archived')";
  if (opt.archived == "hide") where += " AND NOT " + archived_run;
  else if (opt.archived == "only") where += " AND " + archived_run;
  for (const auto& tag : opt.tags) {
    size_t eq = tag.find('=');
    where += " AND EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.run_id AND t.key = " + sql_text(tag.substr(0, eq)) +
             (eq == std::string::npos ? std::string() : " AND t.value = " + sql_text(tag.substr(eq + 1))) + ")";
  }
  std::vector<int64_t> ids;
  std::map<int64_t, std::map<std::string, json>> cells;
  {
    Stmt s = db.prepare(
        "SELECT r.run_id, coalesce(r.name, ''), r.pipeline, r.status, r.started_at, round(r.duration_s, 2),"
        " coalesce(substr(r.git_commit, 1, 10) || CASE WHEN r.git_dirty = 1 THEN '+dirty' ELSE '' END, ''),"
        " (SELECT group_concat(key || '=' || value, ' ') FROM (SELECT key, value FROM run_tags t WHERE t.run_id = r.run_id ORDER BY key)),"
        " r.parent_run FROM runs r" + where + " ORDER BY r.run_id DESC");
    while (s.step()) {
      int64_t id = s.int64(0);
      ids.push_back(id);
      auto& c = cells[id];
      c["run_id"] = id;
      c["name"] = s.text(1);
      c["pipeline"] = s.text(2);
      c["status"] = s.text(3);
      c["started_at"] = s.text(4);
      c["duration_s"] = s.is_null(5) ? json() : json(s.real(5));
      c["git"] = s.text(6);
      c["tags"] = s.is_null(7) ? "" : s.text(7);
      c["parent_run"] = s.is_null(8) ? json() : json(s.int64(8));
    }
  }
  std::vector<std::string> param_columns, metric_columns;
  auto note = [](std::vector<std::string>& list, const std::string& c) {
    if (std::find(list.begin(), list.end(), c) == list.end()) list.push_back(c);
  };
  if (!ids.empty()) {
    std::string in = " IN (";
    for (size_t i = 0; i < ids.size(); ++i) in += (i ? "," : "") + std::to_string(ids[i]);
    in += ")";
    Stmt p = db.prepare("SELECT run_id, step, key, value FROM params WHERE run_id" + in + " ORDER BY step, key");
    while (p.step()) {
      std::string step = p.text(1), key = p.text(2);
      // Pipeline values as params.NAME and seed; a step's config as config.STEP.KEY (a metric of
      // the step may have the same key: gate.auc is a condition in the config, 1 or 0 as a metric).
      std::string col = step.empty() ? key : "config." + step + "." + key;
      json v = json::parse(p.text(3), nullptr, false);
      cells[p.int64(0)][col] = v.is_discarded() ? json(p.text(3)) : v.is_primitive() ? v : json(v.dump());
      note(param_columns, col);
    }
    // Each series' final value: the iteration-NULL point, else the last iteration.
    Stmt m = db.prepare(
        "SELECT run_id, step, coalesce(split, ''), key, value FROM (SELECT run_id, step, split, key, value, row_number() OVER"
        " (PARTITION BY run_id, step, split, key ORDER BY iteration IS NULL DESC, iteration DESC, rowid DESC) AS n"
        " FROM metrics WHERE run_id" + in + ") WHERE n = 1 ORDER BY step, split, key");
    std::set<std::string> evaluate_steps;  // their metrics are STEP.KEY: the split is the one they score
    {
      Stmt st = db.prepare("SELECT DISTINCT step FROM steps WHERE type = 'evaluate' AND run_id" + in);
      while (st.step()) evaluate_steps.insert(st.text(0));
    }
    std::map<std::string, std::set<std::string>> splits_of;  // STEP.KEY -> its splits
    std::vector<std::tuple<int64_t, std::string, std::string, std::string, json>> found;
    while (m.step()) {
      found.emplace_back(m.int64(0), m.text(1), m.text(2), m.text(3), m.is_null(4) ? json() : json(m.real(4)));
      splits_of[m.text(1) + "." + m.text(3)].insert(m.text(2));
    }
    for (const auto& f : found) {
      const std::string& step = std::get<1>(f);
      const std::string& split = std::get<2>(f);
      const std::string& key = std::get<3>(f);
      // STEP.KEY for an evaluate step that records the key on one split (evaluate.auc), and for
      // keys without a split; else STEP.SPLIT.KEY (train.valid.auc).
      bool short_form = split.empty() || (evaluate_steps.count(step) && splits_of[step + "." + key].size() == 1);
      std::string col = short_form ? step + "." + key : step + "." + split + "." + key;
      cells[std::get<0>(f)][col] = std::get<4>(f);
      note(metric_columns, col);
    }
  }
  std::vector<std::string> all = base_columns();
  for (const auto& c : param_columns) all.push_back(c);
  for (const auto& c : metric_columns) all.push_back(c);

  // Filter, then sort, then cut.
  if (!opt.filter.empty()) {
    Expression e = parse_filter(opt.filter);
    std::vector<std::vector<size_t>> at(e.size());
    for (size_t a = 0; a < e.size(); ++a)
      for (const auto& cl : e[a]) at[a].push_back(resolve_column(cl.name, all, "--filter"));
    std::vector<int64_t> kept;
    for (int64_t id : ids) {
      bool any = false;
      for (size_t a = 0; a < e.size() && !any; ++a) {
        bool every = true;
        for (size_t k = 0; k < e[a].size() && every; ++k) {
          const std::string& col = all[at[a][k]];
          json cell = cells[id].count(col) ? cells[id][col] : json();
          every = compare(cell, e[a][k].op, e[a][k].value);
        }
        any = every;
      }
      if (any) kept.push_back(id);
    }
    ids = kept;
  }
  if (!opt.sort.empty()) {
    std::string name = opt.sort;
    bool desc = false;
    if (size_t colon = name.rfind(':'); colon != std::string::npos) {
      std::string dir = name.substr(colon + 1);
      if (dir != "asc" && dir != "desc") throw ConfigError("--sort " + opt.sort + ": after ':' comes asc or desc");
      desc = dir == "desc";
      name = name.substr(0, colon);
    }
    std::string col = all[resolve_column(name, all, "--sort")];
    // Runs without the column last, whichever the direction; ties newest first.
    std::stable_sort(ids.begin(), ids.end(), [&](int64_t a, int64_t b) {
      const json* x = cells[a].count(col) ? &cells[a][col] : nullptr;
      const json* y = cells[b].count(col) ? &cells[b][col] : nullptr;
      bool xn = !x || x->is_null(), yn = !y || y->is_null();
      if (xn || yn) return !xn && yn;
      if (compare(*x, "=", *y)) return false;
      return desc ? compare(*x, ">", *y) : compare(*x, "<", *y);
    });
  }
  if (opt.limit > 0 && ids.size() > size_t(opt.limit)) ids.resize(size_t(opt.limit));

  std::vector<std::string> shown;
  if (opt.columns.empty()) {
    shown = {"run_id", "name", "pipeline", "status", "started_at", "duration_s", "git", "tags"};
    for (const auto& c : param_columns)
      if (starts_with(c, "params.")) shown.push_back(c);
    // The evaluate steps' plain metrics (auc, brier; not per segment, importance, gates or counts).
    std::set<std::string> evaluate_steps;
    {
      Stmt st = db.prepare("SELECT DISTINCT step FROM steps WHERE type = 'evaluate'");
      while (st.step()) evaluate_steps.insert(st.text(0));
    }
    for (const auto& c : metric_columns) {
      size_t dot = c.find('.');
      std::string step = c.substr(0, dot), rest = c.substr(dot + 1);
      for (const char* split : {"train.", "valid.", "test."})
        if (starts_with(rest, split) && rest.find('.', std::string(split).size()) == std::string::npos) rest = rest.substr(std::string(split).size());
      if (evaluate_steps.count(step) && rest.find_first_of(".=") == std::string::npos && rest != "rows" &&
          !starts_with(rest, "champion") && !starts_with(rest, "lift_") && !starts_with(rest, "capture_"))
        shown.push_back(c);
    }
  } else {
    for (const auto& pat : opt.columns) {
      bool matched = false;
      for (const auto& c : all)
        if (c == pat || (pat.find_first_of("*?[") != std::string::npos && glob_match(pat, c))) {
          note(shown, c);
          matched = true;
        }
      if (!matched && pat.find_first_of("*?[") != std::string::npos)
        throw ConfigError("--columns: no column matches '" + pat + "' (globs match whole names: *adverse* or evaluate.*)");
      if (!matched) note(shown, all[resolve_column(pat, all, "--columns")]);
    }
  }
  if (opt.only_changed && ids.size() > 1) {
    std::vector<std::string> changed;
    for (const auto& c : shown) {
      if (c == "run_id") {
        changed.push_back(c);
        continue;
      }
      std::set<std::string> values;
      for (int64_t id : ids) values.insert(cells[id].count(c) ? cells[id][c].dump() : "null");
      if (values.size() > 1) changed.push_back(c);
    }
    shown = changed;
  }
  QueryResult r;
  r.columns = shown;
  for (int64_t id : ids) {
    std::vector<json> row;
    for (const auto& c : shown) row.push_back(cells[id].count(c) ? cells[id][c] : json());
    r.rows.push_back(row);
  }
  return r;
}

}  // namespace mlpipe
