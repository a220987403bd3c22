#include "core/store/query.h"

#include "core/store/run_views.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "core/data/csv_writer.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace mlpipe {
namespace {

// Authorizer: reads and functions only. Everything else (writes, ATTACH, PRAGMA, schema
// changes, transactions) is denied before it runs.
int readonly_authorizer(void*, int action, const char* a, const char* b, const char*, const char*) {
  switch (action) {
    case SQLITE_FUNCTION:
      // fts3_tokenizer hands out (and with two arguments, takes) a pointer to native code.
      if (b && (sqlite3_stricmp(b, "fts3_tokenizer") == 0 || sqlite3_stricmp(b, "load_extension") == 0)) return SQLITE_DENY;
      return SQLITE_OK;
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    case SQLITE_PRAGMA:
      // Reading pragmas such as table_info are harmless; any assignment is refused.
      return SQLITE_DENY;
    default:
      return SQLITE_DENY;
  }
}

std::string cell_text(const nlohmann::json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return format_double(v.get<double>());
  return v.dump();
}

}  // namespace

namespace {
// Stops a statement that runs past its deadline (a recursive CTE without end, a cross join of
// every metric with every other).
int past_deadline(void* deadline) {
  return std::chrono::steady_clock::now() > *static_cast<std::chrono::steady_clock::time_point*>(deadline) ? 1 : 0;
}
}  // namespace

// PostgreSQL: the statement runs in a READ ONLY transaction under a statement timeout, as one
// statement (the extended protocol refuses several), and must be a query.
QueryResult run_postgres_query(Db& db, const std::string& text, const QueryLimits& limits, const QueryRowSink& each_row) {
  std::string first;
  for (char c : text) {
    if (std::isalpha(static_cast<unsigned char>(c))) first += char(std::tolower(static_cast<unsigned char>(c)));
    else if (!first.empty() || !std::isspace(static_cast<unsigned char>(c))) break;
  }
  if (first != "select" && first != "with" && first != "values" && first != "table" && first != "explain")
    throw ConfigError("query: refused: the run store is read-only here (only SELECT/WITH statements that read are allowed)");
  Transaction tx(db);
  db.exec("SET TRANSACTION READ ONLY");
  db.exec("SET LOCAL statement_timeout = " + std::to_string(int64_t(limits.timeout_s * 1000)));
  QueryResult r;
  Stmt st = [&] {
    try {
      Stmt s = db.prepare(text);
      for (int i = 0; i < s.columns(); ++i) r.columns.push_back(s.column_name(i));
      return s;
    } catch (const StepError& e) {
      std::string msg = e.what();
      if (msg.find("canceling statement due to statement timeout") != std::string::npos)
        throw ConfigError("query: stopped after " + format_double(limits.timeout_s) + " s (--timeout SECONDS allows more)");
      if (msg.find("cannot insert multiple commands") != std::string::npos)
        throw ConfigError("query: one statement at a time, please (found more after the first ';')");
      if (msg.find("read-only transaction") != std::string::npos)
        throw ConfigError("query: refused: the run store is read-only here (statement would write)");
      const std::string prefix = "run store: ";
      throw ConfigError("query: " + (msg.rfind(prefix, 0) == 0 ? msg.substr(prefix.size()) : msg));
    }
  }();
  size_t count = 0;
  size_t n = r.columns.size();
  while (st.step()) {
    if (++count > limits.max_rows)
      throw ConfigError("query: more than " + std::to_string(limits.max_rows) + " rows; add a LIMIT, or --max-rows N");
    std::vector<nlohmann::json> row;
    for (size_t i = 0; i < n; ++i) {
      switch (st.type(int(i))) {
        case kSqlNull: row.emplace_back(nullptr); break;
        case kSqlInteger: row.emplace_back(st.int64(int(i))); break;
        case kSqlFloat: row.emplace_back(st.real(int(i))); break;
        default: row.emplace_back(st.text(int(i))); break;
      }
    }
    if (each_row) each_row(r.columns, row);
    else r.rows.push_back(std::move(row));
  }
  return r;
}

QueryResult run_readonly_query(Db& db, const std::string& sql, const QueryLimits& limits, const QueryRowSink& each_row) {
  std::string_view rest = trim(sql);
  while (!rest.empty() && (rest.back() == ';' || rest.back() == '\n' || rest.back() == ' '))
    rest.remove_suffix(1);
  if (rest.empty()) throw ConfigError("query: empty SQL");
  if (db.kind() == DbKind::postgres) return run_postgres_query(db, std::string(rest), limits, each_row);
  sqlite3_set_authorizer(db.sqlite(), readonly_authorizer, nullptr);
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  std::string text(rest);
  int rc = sqlite3_prepare_v2(db.sqlite(), text.c_str(), int(text.size()), &raw, &tail);
  if (rc != SQLITE_OK) {
    std::string msg = sqlite3_errmsg(db.sqlite());
    sqlite3_finalize(raw);
    sqlite3_set_authorizer(db.sqlite(), nullptr, nullptr);
    if ((rc & 0xff) == SQLITE_AUTH)
      throw ConfigError("query: refused: the run store is read-only here (only SELECT/WITH "
                        "statements that read are allowed)");
    throw ConfigError("query: " + msg);
  }
  sqlite3_set_authorizer(db.sqlite(), nullptr, nullptr);
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> st(raw, &sqlite3_finalize);
  if (tail && !trim(tail).empty())
    throw ConfigError("query: one statement at a time, please (found more after the first ';')");
  if (!sqlite3_stmt_readonly(raw))
    throw ConfigError("query: refused: the run store is read-only here (statement would write)");

  QueryResult r;
  int n = sqlite3_column_count(raw);
  for (int i = 0; i < n; ++i) r.columns.push_back(sqlite3_column_name(raw, i));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(int64_t(limits.timeout_s * 1000));
  sqlite3_progress_handler(db.sqlite(), 10000, past_deadline, &deadline);
  struct Unset {
    sqlite3* d;
    ~Unset() { sqlite3_progress_handler(d, 0, nullptr, nullptr); }
  } unset{db.sqlite()};
  size_t count = 0;
  for (;;) {
    rc = sqlite3_step(raw);
    if (rc == SQLITE_DONE) break;
    if ((rc & 0xff) == SQLITE_INTERRUPT)
      throw ConfigError("query: stopped after " + format_double(limits.timeout_s) + " s (--timeout SECONDS allows more)");
    if (rc != SQLITE_ROW) throw ConfigError(std::string("query: ") + sqlite3_errmsg(db.sqlite()));
    if (++count > limits.max_rows)
      throw ConfigError("query: more than " + std::to_string(limits.max_rows) + " rows; add a LIMIT, or --max-rows N");
    std::vector<nlohmann::json> row;
    for (int i = 0; i < n; ++i) {
      switch (sqlite3_column_type(raw, i)) {
        case SQLITE_NULL: row.emplace_back(nullptr); break;
        case SQLITE_INTEGER: row.emplace_back(int64_t(sqlite3_column_int64(raw, i))); break;
        case SQLITE_FLOAT: row.emplace_back(sqlite3_column_double(raw, i)); break;
        case SQLITE_BLOB: row.emplace_back("<blob " + std::to_string(sqlite3_column_bytes(raw, i)) + " bytes>"); break;
        default: row.emplace_back(std::string(reinterpret_cast<const char*>(sqlite3_column_text(raw, i)))); break;
      }
    }
    if (each_row) each_row(r.columns, row);
    else r.rows.push_back(std::move(row));
  }
  return r;
}

QueryResult query_database(const DbLocation& db_path, const std::string& sql, const QueryLimits& limits) {
  // As every reader: runs whose process died are marked interrupted first (else `query` showed
  // them running until a writing command opened the store).
  Db db = open_store_readonly(db_path);
  return run_readonly_query(db, sql, limits);
}

std::string format_table(const QueryResult& r) {
  std::vector<size_t> width(r.columns.size());
  std::vector<std::vector<std::string>> cells;
  for (size_t c = 0; c < r.columns.size(); ++c) width[c] = r.columns[c].size();
  for (const auto& row : r.rows) {
    std::vector<std::string> line;
    for (size_t c = 0; c < row.size(); ++c) {
      std::string t = cell_text(row[c]);
      if (auto nl = t.find('\n'); nl != std::string::npos) t = t.substr(0, nl) + "...";
      // Long cells keep both ends: paths and hashes that differ often differ at the end.
      if (t.size() > 60) t = t.substr(0, 28) + "..." + t.substr(t.size() - 29);
      width[c] = std::max(width[c], t.size());
      line.push_back(std::move(t));
    }
    cells.push_back(std::move(line));
  }
  auto emit = [&](const std::vector<std::string>& line, std::string& out) {
    for (size_t c = 0; c < line.size(); ++c) {
      out += line[c];
      if (c + 1 < line.size()) out += std::string(width[c] - line[c].size() + 2, ' ');
    }
    out += '\n';
  };
  std::string out;
  emit(r.columns, out);
  std::vector<std::string> rule;
  for (size_t w : width) rule.push_back(std::string(w, '-'));
  emit(rule, out);
  for (const auto& line : cells) emit(line, out);
  out += "(" + std::to_string(r.rows.size()) + (r.rows.size() == 1 ? " row)\n" : " rows)\n");
  return out;
}

std::string format_markdown(const QueryResult& r) {
  auto cell = [](const nlohmann::json& v) {
    std::string out;
    for (char c : cell_text(v)) out += c == '|' ? std::string("\\|") : c == '\n' ? std::string(" ") : std::string(1, c);
    return out;
  };
  std::string out = "|";
  for (const auto& c : r.columns) out += " " + cell(c) + " |";
  out += "\n|";
  for (size_t i = 0; i < r.columns.size(); ++i) out += "---|";
  out += "\n";
  for (const auto& row : r.rows) {
    out += "|";
    for (const auto& v : row) out += " " + cell(v) + " |";
    out += "\n";
  }
  return out;
}

std::string format_csv(const QueryResult& r) {
  CsvWriter w(r.columns);
  for (const auto& row : r.rows) {
    std::vector<std::string> f;
    for (const auto& v : row) f.push_back(cell_text(v));
    w.row(f);
  }
  return w.text();
}

namespace {
// A row as a JSON object: keys in column order; text that holds a JSON object or array
// (overrides, metrics, parts) as that value, not as an escaped string.
nlohmann::ordered_json row_object(const std::vector<std::string>& columns, const std::vector<nlohmann::json>& row) {
  nlohmann::ordered_json o = nlohmann::ordered_json::object();
  for (size_t c = 0; c < row.size(); ++c) {
    const nlohmann::json& v = row[c];
    if (v.is_string()) {
      const std::string& t = v.get_ref<const std::string&>();
      if (!t.empty() && (t[0] == '{' || t[0] == '[')) {
        nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(t, nullptr, false);
        if (!parsed.is_discarded()) {
          o[columns[c]] = parsed;
          continue;
        }
      }
    }
    if (v.is_null()) o[columns[c]] = nullptr;
    else if (v.is_number_integer()) o[columns[c]] = v.get<int64_t>();
    else if (v.is_number()) o[columns[c]] = v.get<double>();
    else if (v.is_string()) o[columns[c]] = v.get<std::string>();
    else o[columns[c]] = nlohmann::ordered_json::parse(v.dump());
  }
  return o;
}

// One element of a dump(2) array: its lines indented by two more spaces.
std::string indented(const nlohmann::ordered_json& o) {
  std::string text = o.dump(2), out = "  ";
  for (char c : text) {
    out += c;
    if (c == '\n') out += "  ";
  }
  return out;
}
}  // namespace

std::string format_json(const QueryResult& r) {
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const auto& row : r.rows) arr.push_back(row_object(r.columns, row));
  return arr.dump(2) + "\n";
}

void stream_query(const DbLocation& db_path, const std::string& sql, const QueryLimits& limits,
                  const std::string& format, std::ostream& out) {
  Db db = open_store_readonly(db_path);
  size_t n = 0;
  std::vector<std::string> cells;
  QueryRowSink sink = [&](const std::vector<std::string>& columns, const std::vector<nlohmann::json>& row) {
    if (format == "csv") {
      cells.clear();
      for (const auto& v : row) cells.push_back(cell_text(v));
      if (n == 0) out << CsvWriter(columns).text();
      out << CsvWriter(cells).text();  // a writer's first line is quoted as every row: the row itself
    } else {
      out << (n == 0 ? "[\n" : ",\n") << indented(row_object(columns, row));
    }
    ++n;
  };
  QueryResult r = run_readonly_query(db, sql, limits, sink);
  if (format == "csv" && n == 0) out << CsvWriter(r.columns).text();
  if (format != "csv") out << (n == 0 ? "[]\n" : "\n]\n");
}

}  // namespace mlpipe
