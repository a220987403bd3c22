#pragma once
// Thin RAII layer over sqlite3: a connection, prepared statements, and a transaction guard
// that rolls back unless committed. Every failure throws with SQLite's own message.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace mlpipe {

class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql);
  ~Stmt();
  Stmt(Stmt&& o) noexcept : db_(o.db_), st_(o.st_) { o.st_ = nullptr; }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, int v) { return bind(i, int64_t(v)); }
  Stmt& bind(int i, double v);
  Stmt& bind(int i, const std::string& v);
  Stmt& bind(int i, const char* v) { return bind(i, std::string(v)); }
  Stmt& bind_null(int i);
  // Text that stays alive and unchanged until the statement is stepped: not copied.
  Stmt& bind_static(int i, const std::string& v);
  Stmt& bind(int i, const std::optional<int64_t>& v) { return v ? bind(i, *v) : bind_null(i); }
  Stmt& bind(int i, const std::optional<double>& v) { return v ? bind(i, *v) : bind_null(i); }
  Stmt& bind(int i, const std::optional<std::string>& v) { return v ? bind(i, *v) : bind_null(i); }

  bool step();   // true while a row is available
  void run();    // step to completion, then reset
  void reset();
  bool readonly() const;

  int columns() const;
  std::string column_name(int i) const;
  bool is_null(int i) const;
  int type(int i) const;  // SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB, SQLITE_NULL
  int64_t int64(int i) const;
  double real(int i) const;
  std::string text(int i) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

class Db {
 public:
  // Opens (creating when allowed) with WAL, foreign keys and a busy timeout.
  static Db open(const std::filesystem::path& path, bool read_only);
  Db(Db&& o) noexcept : db_(o.db_), path_(std::move(o.path_)) { o.db_ = nullptr; }
  Db(const Db&) = delete;
  ~Db();

  void exec(const std::string& sql);
  Stmt prepare(const std::string& sql) { return Stmt(db_, sql); }
  int64_t last_insert_rowid() const;
  sqlite3* get() { return db_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  Db(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::filesystem::path path_;
};

class Transaction {
 public:
  // `immediate` takes the write lock up front, so two writers never deadlock on upgrade.
  explicit Transaction(Db& db, bool immediate = true);
  ~Transaction();
  void commit();

 private:
  Db& db_;
  bool nested_ = false;
  bool done_ = false;
};

// Foreign keys off for a scope (outside any transaction: SQLite ignores the pragma inside one),
// for bulk inserts whose references the caller checks once.
class ForeignKeysOff {
 public:
  explicit ForeignKeysOff(Db& db) : db_(db) { db_.exec("PRAGMA foreign_keys=OFF"); }
  ~ForeignKeysOff();
  ForeignKeysOff(const ForeignKeysOff&) = delete;
  ForeignKeysOff& operator=(const ForeignKeysOff&) = delete;

 private:
  Db& db_;
};

}  // namespace mlpipe
