#pragma once
// The run database, on either backend: an SQLite file (the embedded default) or a PostgreSQL
// server (a team's store). A connection, prepared statements, and a transaction guard that rolls
// back unless committed. Callers write SQLite's dialect with `?` or `?N` parameters; on
// PostgreSQL the statement is translated (core/store/postgres_dialect.h). Every failure throws
// with the backend's own message.
//
// Thread safety: a Db and its statements are used by one thread at a time (RunStore serialises
// its callers with a mutex).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;

namespace mlpipe {

enum class DbKind { sqlite, postgres };

// Where a store's database lives: an SQLite file, or a PostgreSQL server whose store folder
// (objects/, runs/, tmp/: a folder every machine mounts) is given apart.
class DbLocation {
 public:
  DbLocation() = default;
  DbLocation(std::filesystem::path sqlite_file) : file_(std::move(sqlite_file)) {}  // NOLINT: a file is a location
  static DbLocation postgres(std::string conninfo, std::string shown, std::filesystem::path store_root);

  DbKind kind() const { return conninfo_.empty() ? DbKind::sqlite : DbKind::postgres; }
  bool is_postgres() const { return kind() == DbKind::postgres; }
  const std::filesystem::path& file() const { return file_; }       // SQLite only
  const std::string& conninfo() const { return conninfo_; }         // PostgreSQL only (libpq URI)
  // The folder of the store's files: the SQLite file's folder, or the PostgreSQL store's objects folder.
  std::filesystem::path store_root() const;
  // For messages: the file, or the server's address without a password.
  std::string string() const { return is_postgres() ? shown_ : file_.string(); }

 private:
  std::filesystem::path file_;
  std::string conninfo_, shown_;
  std::filesystem::path root_;
};

// Column types as SQLite numbers them (SQLITE_INTEGER ... SQLITE_NULL); PostgreSQL's are mapped.
enum SqlType : int { kSqlInteger = 1, kSqlFloat = 2, kSqlText = 3, kSqlBlob = 4, kSqlNull = 5 };

class StmtBackend;
class DbBackend;

class Stmt {
 public:
  explicit Stmt(std::unique_ptr<StmtBackend> impl);
  ~Stmt();
  Stmt(Stmt&& o) noexcept;
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
  void reset();  // ready to run again; bindings cleared

  int columns() const;
  std::string column_name(int i) const;
  bool is_null(int i) const;
  int type(int i) const;  // an SqlType
  int64_t int64(int i) const;
  double real(int i) const;
  std::string text(int i) const;

 private:
  std::unique_ptr<StmtBackend> impl_;
};

class Db {
 public:
  // SQLite: opens (creating when allowed) with WAL, foreign keys and a busy timeout.
  // PostgreSQL: connects; read-only makes every transaction read-only.
  static Db open(const DbLocation& where, bool read_only);
  Db(Db&& o) noexcept;
  Db(const Db&) = delete;
  ~Db();

  void exec(const std::string& sql);
  Stmt prepare(const std::string& sql);
  DbKind kind() const { return where_.kind(); }
  const DbLocation& path() const { return where_; }
  // No writes from here on (a reader's guard against a statement that would write).
  void set_query_only();
  // Whether a transaction is open on this connection.
  bool in_transaction() const;
  // PostgreSQL's COPY ... FROM STDIN with `rows` in COPY's text format (tab-separated, \N for
  // NULL, one row per line); not on SQLite.
  void copy_in(const std::string& copy_sql, const std::string& rows);
  // The SQLite connection (nullptr on PostgreSQL), for what only SQLite has (its authorizer).
  sqlite3* sqlite();
  DbBackend& backend() { return *impl_; }

 private:
  Db(std::unique_ptr<DbBackend> impl, DbLocation where);
  std::unique_ptr<DbBackend> impl_;
  DbLocation where_;
};

class Transaction {
 public:
  // `immediate` takes SQLite's write lock up front, so two writers never deadlock on upgrade.
  explicit Transaction(Db& db, bool immediate = true);
  ~Transaction();
  void commit();

 private:
  Db& db_;
  bool nested_ = false;
  bool done_ = false;
};

// Foreign keys off for a scope on SQLite (outside any transaction: SQLite ignores the pragma
// inside one), for bulk inserts whose references the caller checks once. Nothing on PostgreSQL.
class ForeignKeysOff {
 public:
  explicit ForeignKeysOff(Db& db);
  ~ForeignKeysOff();
  ForeignKeysOff(const ForeignKeysOff&) = delete;
  ForeignKeysOff& operator=(const ForeignKeysOff&) = delete;

 private:
  Db& db_;
};

// Text for COPY's text format: backslash, tab, newline and carriage return escaped.
void append_copy_text(std::string& out, std::string_view v);

}  // namespace mlpipe
