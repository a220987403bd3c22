#include "core/store/db_backend.h"

#include <sqlite3.h>

#include <sys/statvfs.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>

#include "core/util/error.h"

namespace mlpipe {
namespace {
// SQLite's message, or for a full disk one that says which disk and what to do.
std::string store_message(sqlite3* db, const std::string& msg) {
  if (!db) return msg;
  int code = sqlite3_errcode(db) & 0xff;
  if (code == SQLITE_FULL || (code == SQLITE_IOERR && sqlite3_system_errno(db) == ENOSPC)) {
    const char* file = sqlite3_db_filename(db, "main");
    return "no space left on the device holding " + std::string(file && *file ? file : "the store") + " (SQLite: " + msg +
           "); free space, then `mlpipe resume` the run";
  }
  const char* file = sqlite3_db_filename(db, "main");
  std::string where = file && *file ? file : "the store's database";
  if (code == SQLITE_NOTADB)
    return where + " is not an SQLite database (" + msg + "); it is not an mlpipe store: move it away or pass another --store";
  if (code == SQLITE_CORRUPT)
    return where + " is damaged (" + msg + "; truncated or overwritten); restore it from a copy, or pass another --store";
  return msg;
}

// Whether nothing can be created in `dir`: a read-only file system, or no write permission.
bool read_only_folder(const std::filesystem::path& dir) {
  struct statvfs fs;
  if (::statvfs(dir.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY)) return true;
  return ::access(dir.c_str(), W_OK) != 0 && errno != ENOENT;
}

// A path as a file: URI (percent-encoding what URIs reserve).
std::string uri_path(const std::string& p) {
  std::string out;
  for (unsigned char c : p) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += char(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw StepError("run store: " + what + ": " + (db ? store_message(db, sqlite3_errmsg(db)) : "out of memory"));
}

class SqliteStmt final : public StmtBackend {
 public:
  SqliteStmt(sqlite3* db, const std::string& sql) : db_(db) {
    const char* tail = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), int(sql.size()), &st_, &tail) != SQLITE_OK)
      fail(db, "cannot prepare statement");
  }
  ~SqliteStmt() override { sqlite3_finalize(st_); }

  void bind_int64(int i, int64_t v) override { sqlite3_bind_int64(st_, i, v); }
  void bind_double(int i, double v) override { sqlite3_bind_double(st_, i, v); }
  void bind_text(int i, const std::string& v, bool copy) override {
    sqlite3_bind_text(st_, i, v.data(), int(v.size()), copy ? SQLITE_TRANSIENT : SQLITE_STATIC);
  }
  void bind_null(int i) override { sqlite3_bind_null(st_, i); }
  bool step() override {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    std::string msg = store_message(db_, sqlite3_errmsg(db_));
    sqlite3_reset(st_);
    throw StepError("run store: " + msg);
  }
  void reset() override {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }
  int columns() const override { return sqlite3_column_count(st_); }
  std::string column_name(int i) const override { return sqlite3_column_name(st_, i); }
  int type(int i) const override { return sqlite3_column_type(st_, i); }
  int64_t int64(int i) const override { return sqlite3_column_int64(st_, i); }
  double real(int i) const override { return sqlite3_column_double(st_, i); }
  std::string text(int i) const override {
    const unsigned char* t = sqlite3_column_text(st_, i);
    return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(st_, i)) : "";
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

class SqliteDb final : public DbBackend {
 public:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  ~SqliteDb() override { sqlite3_close_v2(db_); }

  void exec(const std::string& sql) override {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = store_message(db_, err ? err : sqlite3_errmsg(db_));
      sqlite3_free(err);
      throw StepError("run store: " + msg + " (in: " + sql.substr(0, 60) + ")");
    }
  }
  std::unique_ptr<StmtBackend> prepare(const std::string& sql) override {
    return std::make_unique<SqliteStmt>(db_, sql);
  }
  bool in_transaction() const override { return sqlite3_get_autocommit(db_) == 0; }
  std::string begin_sql(bool immediate) const override { return immediate ? "BEGIN IMMEDIATE" : "BEGIN"; }
  void set_query_only() override { exec("PRAGMA query_only=1"); }
  void copy_in(const std::string&, const std::string&) override {
    throw StepError("run store: COPY is PostgreSQL's; SQLite inserts rows one statement at a time");
  }
  sqlite3* sqlite() override { return db_; }

 private:
  sqlite3* db_;
};

}  // namespace

std::unique_ptr<DbBackend> open_sqlite(const std::filesystem::path& path, bool read_only) {
  sqlite3* db = nullptr;
  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_FULLMUTEX;
  if (read_only && !std::filesystem::exists(path))
    throw ConfigError(path.string() + ": no run database here (run a pipeline first, or pass --store)");
  std::filesystem::path folder = path.parent_path().empty() ? "." : path.parent_path();
  if (!read_only && read_only_folder(folder))
    throw ConfigError(folder.string() + " is read-only (a read-only file system or no write permission): this command "
                      "writes to the store; copy the store somewhere writable (readers such as runs, metrics, query and "
                      "report work on it as it is)");
  // A store on read-only media (an archived audit copy) cannot take the shared-memory file WAL
  // readers need: it is opened immutable instead (SQLite then reads the database file alone).
  std::string name = path.string();
  if (read_only && read_only_folder(folder)) {
    name = "file:" + uri_path(std::filesystem::absolute(path).string()) + "?immutable=1";
    flags |= SQLITE_OPEN_URI;
    static std::once_flag said;  // once per process, however many connections
    std::call_once(said, [&] {
      std::cerr << "mlpipe: note: " << path.parent_path().string()
                << " is read-only: reading its store.db as an immutable copy (nothing is written; a run"
                   " left running there is not checked)\n";
    });
  }
  if (sqlite3_open_v2(name.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw StepError("run store: cannot open " + path.string() + ": " + msg);
  }
  auto out = std::make_unique<SqliteDb>(db);
  sqlite3_busy_timeout(db, 30000);
  sqlite3_extended_result_codes(db, 1);
  if (!read_only) {
    // A new database gets 32 KB pages: metric batches write and compare far fewer pages (points/s
    // +17% in bench/cpp/metric_record_bench.cpp). An existing database keeps its page size.
    sqlite3_exec(db, "PRAGMA page_size=32768", nullptr, nullptr, nullptr);
    // Switching a new database to WAL needs an exclusive lock, and SQLite may report BUSY here
    // without calling the busy handler when another process is creating the same file. Retry.
    for (int attempt = 0;; ++attempt) {
      char* err = nullptr;
      int rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, &err);
      sqlite3_free(err);
      if (rc == SQLITE_OK) break;
      if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) fail(db, "cannot switch to WAL");
      if (attempt >= 3000) fail(db, "cannot switch to WAL after 30 s of retries");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    out->exec("PRAGMA synchronous=NORMAL");
  }
  out->exec("PRAGMA foreign_keys=ON");
  // Statement journals and sort b-trees in memory: on disk each was a file created and
  // unlinked in /var/tmp (one per reused step's copy of its records).
  out->exec("PRAGMA temp_store=MEMORY");
  return out;
}

}  // namespace mlpipe
