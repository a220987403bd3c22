// The run database on a PostgreSQL server, through libpq. Statements are mlpipe's SQLite-dialect
// text translated once (postgres_dialect.h) and run with PQexecParams: parameters go as text
// (integers and reals typed, so `INSERT ... SELECT ?` gets a bigint where a bigint goes), results
// come back as text and are converted on reading.
#include <libpq-fe.h>

#include <cmath>
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
  if (PQstatus(conn) == CONNECTION_BAD)
    return "lost the connection to the PostgreSQL store " + shown + " (" + msg + ")";
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

class PgStmt final : public StmtBackend {
 public:
  PgStmt(PGconn* conn, const std::string& shown, std::string sql)
      : conn_(conn), shown_(shown), sql_(std::move(sql)) {}
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
    std::vector<const char*> vals(values_.size());
    for (size_t k = 0; k < values_.size(); ++k) vals[k] = values_[k] ? values_[k]->c_str() : nullptr;
    res_ = PQexecParams(conn_, sql_.c_str(), int(vals.size()), types_.empty() ? nullptr : types_.data(),
                        vals.empty() ? nullptr : vals.data(), nullptr, nullptr, 0);
    row_ = -1;
    if (!res_ || !ok(res_)) {
      std::string msg = server_message(conn_, res_, shown_);
      PQclear(res_);
      res_ = nullptr;
      throw StepError("run store: " + msg);
    }
  }

  PGconn* conn_;
  const std::string& shown_;
  std::string sql_;
  std::vector<std::optional<std::string>> values_;
  std::vector<Oid> types_;
  PGresult* res_ = nullptr;
  int row_ = -1;
};

class PgDb final : public DbBackend {
 public:
  PgDb(PGconn* conn, std::string shown) : conn_(conn), shown_(std::move(shown)) {}
  ~PgDb() override { PQfinish(conn_); }

  void exec(const std::string& sql) override {
    PGresult* res = PQexec(conn_, sql.c_str());
    if (!res || !ok(res)) {
      std::string msg = server_message(conn_, res, shown_);
      PQclear(res);
      throw StepError("run store: " + msg + " (in: " + sql.substr(0, 60) + ")");
    }
    PQclear(res);
  }
  std::unique_ptr<StmtBackend> prepare(const std::string& sql) override {
    return std::make_unique<PgStmt>(conn_, shown_, to_postgres_sql(sql));
  }
  bool in_transaction() const override { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }
  std::string begin_sql(bool) const override { return "BEGIN"; }
  void set_query_only() override { exec("SET default_transaction_read_only = on"); }
  void copy_in(const std::string& copy_sql, const std::string& rows) override {
    PGresult* res = PQexec(conn_, copy_sql.c_str());
    if (PQresultStatus(res) != PGRES_COPY_IN) {
      std::string msg = server_message(conn_, res, shown_);
      PQclear(res);
      throw StepError("run store: " + msg + " (in: " + copy_sql.substr(0, 60) + ")");
    }
    PQclear(res);
    bool sent = PQputCopyData(conn_, rows.data(), int(rows.size())) == 1;
    PQputCopyEnd(conn_, sent ? nullptr : "mlpipe could not send the rows");
    std::string msg;
    while ((res = PQgetResult(conn_)) != nullptr) {
      if (!ok(res) && msg.empty()) msg = server_message(conn_, res, shown_);
      PQclear(res);
    }
    if (!msg.empty()) throw StepError("run store: " + msg + " (in: " + copy_sql.substr(0, 60) + ")");
  }

 private:
  PGconn* conn_;
  std::string shown_;
};

}  // namespace

std::unique_ptr<DbBackend> open_postgres(const DbLocation& where, bool read_only) {
  PGconn* conn = PQconnectdb(where.conninfo().c_str());
  if (!conn || PQstatus(conn) != CONNECTION_OK) {
    std::string msg = conn ? PQerrorMessage(conn) : "out of memory";
    PQfinish(conn);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    throw ConfigError("cannot connect to the PostgreSQL store " + where.string() + ": " + msg);
  }
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);  // "already exists, skipping" and the like
  auto db = std::make_unique<PgDb>(conn, where.string());
  // UTC timestamps, and one session's statements never wait forever on a lock another holds.
  db->exec("SET TIME ZONE 'UTC'; SET lock_timeout = '60s'");
  if (read_only) db->set_query_only();
  return db;
}

}  // namespace mlpipe
