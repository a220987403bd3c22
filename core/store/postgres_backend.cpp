// The run database on a PostgreSQL server, through libpq. Statements are mlpipe's SQLite-dialect
// text translated once (postgres_dialect.h) and run with PQexecParams: parameters go as text
// (integers and reals typed, so `INSERT ... SELECT ?` gets a bigint where a bigint goes), results
// come back as text and are converted on reading.
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "core/store/db_backend.h"
#include "core/store/postgres_dialect.h"
#include "core/util/error.h"

namespace mlpipe {
namespace {

// Type oids from PostgreSQL's catalog (pg_type.dat): stable across versions.
constexpr Oid kBoolOid = 16, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23, kOidOid = 26, kFloat4Oid = 700,
              kFloat8Oid = 701, kNumericOid = 1700, kByteaOid = 17;

std::string server_message(PGconn* conn, const PGresult* res, const std::string& shown) {
  std::string msg = res ? PQresultErrorMessage(res) : "";
  if (msg.empty()) msg = PQerrorMessage(conn);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (PQstatus(conn) == CONNECTION_BAD)  // libpq's first line says it ("server closed the connection unexpectedly")
    return "lost the connection to the PostgreSQL store " + shown + " (" + msg.substr(0, msg.find('\n')) + ")";
  return msg;
}

bool ok(const PGresult* res) {
  ExecStatusType st = PQresultStatus(res);
  return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

std::string double_text(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);  // exact: PostgreSQL reads it back to the same double
  return buf;
}

// One session with the server, shared by the connection and its statements. A connection lost
// outside a transaction is made again (with backoff, up to $MLPIPE_STORE_RETRY_S seconds,
// default 30) before the next statement; one lost inside a transaction fails every statement of
// that transaction (its writes are gone) until it is rolled back, so nothing after the loss is
// written as if it were part of it.
struct PgSession {
  PGconn* conn = nullptr;
  std::string shown;
  std::string settings;      // re-applied on a new connection
  bool lost_transaction = false;

  bool lost() const { return PQstatus(conn) == CONNECTION_BAD; }

  // Before a statement: a usable connection, or StepError after the retries.
  void ensure(const std::string& sql) {
    if (lost_transaction) {
      if (sql == "ROLLBACK" || sql.rfind("ROLLBACK TO", 0) == 0) return;  // answered in exec
      throw StepError("run store: the connection to the PostgreSQL store " + shown +
                      " was lost in the middle of a transaction; its writes were not recorded");
    }
    if (!lost()) return;
    double limit = 30;
    if (const char* e = std::getenv("MLPIPE_STORE_RETRY_S"); e && *e) limit = std::atof(e);
    static std::atomic<bool> said{false};  // once per process
    if (!said.exchange(true)) {
      std::fprintf(stderr, "mlpipe: lost the connection to the PostgreSQL store %s; trying again for up to %.0f s\n",
                   shown.c_str(), limit);
    }
    auto start = std::chrono::steady_clock::now();
    for (double wait = 0.25;; wait = std::min(wait * 2, 4.0)) {
      PQreset(conn);
      if (!lost()) {
        PGresult* r = PQexec(conn, settings.c_str());
        PQclear(r);
        return;
      }
      double spent = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (spent + wait > limit) break;
      std::this_thread::sleep_for(std::chrono::duration<double>(wait));
    }
    std::string msg = PQerrorMessage(conn);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    throw StepError("run store: lost the connection to the PostgreSQL store " + shown + " and could not connect again in " +
                    format_seconds(limit) + " (" + msg + ")");
  }

  // After a failed statement: remembers a transaction lost with the connection.
  void failed(bool was_in_transaction) {
    if (lost() && was_in_transaction) lost_transaction = true;
  }

  static std::string format_seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f s", s);
    return buf;
  }
};

bool busy(PGconn* conn) { return PQtransactionStatus(conn) != PQTRANS_IDLE; }

class PgStmt final : public StmtBackend {
 public:
  PgStmt(PgSession& session, std::string sql) : session_(session), sql_(std::move(sql)) {}
  ~PgStmt() override { PQclear(res_); }

  void bind_int64(int i, int64_t v) override { set(i, std::to_string(v), kInt8Oid); }
  void bind_double(int i, double v) override {
    // SQLite stores a NaN as NULL; so does this, so both backends read the same history.
    if (std::isnan(v)) bind_null(i);
    else set(i, double_text(v), kFloat8Oid);
  }
  void bind_text(int i, const std::string& v, bool) override { set(i, v, 0); }
  void bind_null(int i) override {
    grow(i);
    values_[i - 1].reset();
    types_[i - 1] = 0;
  }

  bool step() override {
    execute();
    ++row_;
    return row_ < PQntuples(res_);
  }
  void reset() override {
    PQclear(res_);
    res_ = nullptr;
    row_ = -1;
    values_.clear();
    types_.clear();
  }
  int columns() const override {
    const_cast<PgStmt*>(this)->execute();
    return PQnfields(res_);
  }
  std::string column_name(int i) const override {
    const_cast<PgStmt*>(this)->execute();
    return PQfname(res_, i);
  }
  int type(int i) const override {
    if (!res_ || row_ < 0 || row_ >= PQntuples(res_) || PQgetisnull(res_, row_, i)) return kSqlNull;
    switch (PQftype(res_, i)) {
      case kBoolOid:
      case kInt8Oid:
      case kInt2Oid:
      case kInt4Oid:
      case kOidOid:
        return kSqlInteger;
      case kFloat4Oid:
      case kFloat8Oid:
        return kSqlFloat;
      case kNumericOid: {  // sum() of integers is numeric there: an integer when it has no fraction
        std::string v = PQgetvalue(res_, row_, i);
        return v.find_first_of(".eEN") == std::string::npos ? kSqlInteger : kSqlFloat;
      }
      case kByteaOid:
        return kSqlBlob;
      default:
        return kSqlText;
    }
  }
  int64_t int64(int i) const override {
    if (type(i) == kSqlNull) return 0;
    const char* v = PQgetvalue(res_, row_, i);
    if (PQftype(res_, i) == kBoolOid) return v[0] == 't' ? 1 : 0;
    if (type(i) == kSqlFloat) return int64_t(std::strtod(v, nullptr));
    return std::strtoll(v, nullptr, 10);
  }
  double real(int i) const override {
    if (type(i) == kSqlNull) return 0;
    const char* v = PQgetvalue(res_, row_, i);
    if (PQftype(res_, i) == kBoolOid) return v[0] == 't' ? 1 : 0;
    return std::strtod(v, nullptr);
  }
  std::string text(int i) const override {
    if (type(i) == kSqlNull) return "";
    if (PQftype(res_, i) == kBoolOid) return PQgetvalue(res_, row_, i)[0] == 't' ? "1" : "0";
    return std::string(PQgetvalue(res_, row_, i), size_t(PQgetlength(res_, row_, i)));
  }

 private:
  void grow(int i) {
    if (i < 1) throw StepError("run store: parameter " + std::to_string(i) + " out of range");
    if (values_.size() < size_t(i)) {
      values_.resize(size_t(i));
      types_.resize(size_t(i), 0);
    }
  }
  void set(int i, std::string v, Oid type) {
    grow(i);
    values_[i - 1] = std::move(v);
    types_[i - 1] = type;
  }
  void execute() {
    if (res_) return;
    session_.ensure(sql_);
    std::vector<const char*> vals(values_.size());
    for (size_t k = 0; k < values_.size(); ++k) vals[k] = values_[k] ? values_[k]->c_str() : nullptr;
    bool in_tx = busy(session_.conn);
    res_ = PQexecParams(session_.conn, sql_.c_str(), int(vals.size()), types_.empty() ? nullptr : types_.data(),
                        vals.empty() ? nullptr : vals.data(), nullptr, nullptr, 0);
    row_ = -1;
    if (!res_ || !ok(res_)) {
      session_.failed(in_tx);
      std::string msg = server_message(session_.conn, res_, session_.shown);
      PQclear(res_);
      res_ = nullptr;
      throw StepError("run store: " + msg);
    }
  }

  PgSession& session_;
  std::string sql_;
  std::vector<std::optional<std::string>> values_;
  std::vector<Oid> types_;
  PGresult* res_ = nullptr;
  int row_ = -1;
};

class PgDb final : public DbBackend {
 public:
  PgDb(PGconn* conn, std::string shown) {
    s_.conn = conn;
    s_.shown = std::move(shown);
  }
  ~PgDb() override { PQfinish(s_.conn); }

  void exec(const std::string& sql) override {
    if (s_.lost_transaction && (sql == "ROLLBACK" || sql.rfind("ROLLBACK TO", 0) == 0)) {
      s_.lost_transaction = false;  // the server rolled it back when the connection went
      return;
    }
    s_.ensure(sql);
    bool in_tx = busy(s_.conn);
    PGresult* res = PQexec(s_.conn, sql.c_str());
    if (!res || !ok(res)) {
      s_.failed(in_tx);
      std::string msg = server_message(s_.conn, res, s_.shown);
      PQclear(res);
      throw StepError("run store: " + msg + " (in: " + sql.substr(0, 60) + ")");
    }
    PQclear(res);
  }
  // Session settings: run now, and again on a new connection after a loss.
  void setting(const std::string& sql) {
    exec(sql);
    s_.settings += sql + ";";
  }
  std::unique_ptr<StmtBackend> prepare(const std::string& sql) override {
    return std::make_unique<PgStmt>(s_, to_postgres_sql(sql));
  }
  // A lost connection holds no transaction any more (a lost one is answered by `exec`).
  bool in_transaction() const override { return s_.lost_transaction || (!s_.lost() && busy(s_.conn)); }
  // An immediate transaction takes the store's write lock, as SQLite's BEGIN IMMEDIATE does:
  // mlpipe's read-then-write transactions (the next version number, replacing a cache entry)
  // were written for one writer at a time, and two machines must not interleave them.
  std::string begin_sql(bool immediate) const override {
    return immediate ? "BEGIN; SELECT pg_advisory_xact_lock(7236828203640811876)" : "BEGIN";  // "mlpipe writes"
  }
  void set_query_only() override { setting("SET default_transaction_read_only = on"); }
  void copy_in(const std::string& copy_sql, const std::string& rows) override {
    s_.ensure(copy_sql);
    bool in_tx = busy(s_.conn);
    PGconn* conn = s_.conn;
    PGresult* res = PQexec(conn, copy_sql.c_str());
    if (PQresultStatus(res) != PGRES_COPY_IN) {
      s_.failed(in_tx);
      std::string msg = server_message(conn, res, s_.shown);
      PQclear(res);
      throw StepError("run store: " + msg + " (in: " + copy_sql.substr(0, 60) + ")");
    }
    PQclear(res);
    bool sent = PQputCopyData(conn, rows.data(), int(rows.size())) == 1;
    PQputCopyEnd(conn, sent ? nullptr : "mlpipe could not send the rows");
    std::string msg;
    while ((res = PQgetResult(conn)) != nullptr) {
      if (!ok(res) && msg.empty()) msg = server_message(conn, res, s_.shown);
      PQclear(res);
    }
    if (!msg.empty()) {
      s_.failed(in_tx);
      throw StepError("run store: " + msg + " (in: " + copy_sql.substr(0, 60) + ")");
    }
  }

 private:
  PgSession s_;
};

}  // namespace

std::unique_ptr<DbBackend> open_postgres(const DbLocation& where, bool read_only) {
  // Defaults first: what the address sets wins. Keepalives and a TCP timeout turn a server gone
  // silent (a partition, a dead host) into an error within a minute instead of a hang.
  const char* keys[] = {"connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
                        "keepalives_count", "tcp_user_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"10", "1", "15", "5", "4", "45000", "mlpipe", where.conninfo().c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!conn || PQstatus(conn) != CONNECTION_OK) {
    std::string msg = conn ? PQerrorMessage(conn) : "out of memory";
    PQfinish(conn);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    throw ConfigError("cannot connect to the PostgreSQL store " + where.string() + ": " + msg);
  }
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);  // "already exists, skipping" and the like
  auto db = std::make_unique<PgDb>(conn, where.string());
  // UTC timestamps, and one session's statements never wait forever on a lock another holds.
  db->setting("SET TIME ZONE 'UTC'; SET lock_timeout = '60s'");
  if (read_only) db->set_query_only();
  return db;
}

}  // namespace mlpipe
