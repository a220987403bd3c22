#include "core/store/database.h"

#include "core/store/db_backend.h"

namespace mlpipe {

DbLocation DbLocation::postgres(std::string conninfo, std::string shown, std::filesystem::path store_root) {
  DbLocation l;
  l.conninfo_ = std::move(conninfo);
  l.shown_ = std::move(shown);
  l.root_ = std::move(store_root);
  return l;
}

std::filesystem::path DbLocation::store_root() const {
  if (is_postgres()) return root_;
  return std::filesystem::absolute(file_).parent_path();
}

Stmt::Stmt(std::unique_ptr<StmtBackend> impl) : impl_(std::move(impl)) {}
Stmt::~Stmt() = default;
Stmt::Stmt(Stmt&& o) noexcept = default;

Stmt& Stmt::bind(int i, int64_t v) {
  impl_->bind_int64(i, v);
  return *this;
}
Stmt& Stmt::bind(int i, double v) {
  impl_->bind_double(i, v);
  return *this;
}
Stmt& Stmt::bind(int i, const std::string& v) {
  impl_->bind_text(i, v, true);
  return *this;
}
Stmt& Stmt::bind_static(int i, const std::string& v) {
  impl_->bind_text(i, v, false);
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  impl_->bind_null(i);
  return *this;
}
bool Stmt::step() { return impl_->step(); }
void Stmt::run() {
  while (step()) {
  }
  reset();
}
void Stmt::reset() { impl_->reset(); }
int Stmt::columns() const { return impl_->columns(); }
std::string Stmt::column_name(int i) const { return impl_->column_name(i); }
bool Stmt::is_null(int i) const { return impl_->type(i) == kSqlNull; }
int Stmt::type(int i) const { return impl_->type(i); }
int64_t Stmt::int64(int i) const { return impl_->int64(i); }
double Stmt::real(int i) const { return impl_->real(i); }
std::string Stmt::text(int i) const { return impl_->text(i); }

Db::Db(std::unique_ptr<DbBackend> impl, DbLocation where) : impl_(std::move(impl)), where_(std::move(where)) {}
Db::Db(Db&& o) noexcept = default;
Db::~Db() = default;

Db Db::open(const DbLocation& where, bool read_only) {
  if (where.is_postgres()) return Db(open_postgres(where, read_only), where);
  return Db(open_sqlite(where.file(), read_only), where);
}

void Db::exec(const std::string& sql) { impl_->exec(sql); }
Stmt Db::prepare(const std::string& sql) { return Stmt(impl_->prepare(sql)); }
void Db::set_query_only() { impl_->set_query_only(); }
bool Db::in_transaction() const { return impl_->in_transaction(); }
void Db::copy_in(const std::string& copy_sql, const std::string& rows) { impl_->copy_in(copy_sql, rows); }
sqlite3* Db::sqlite() { return impl_->sqlite(); }

Transaction::Transaction(Db& db, bool immediate) : db_(db) {
  // Inside another transaction (a caller batching several writes into one commit) this one is
  // a savepoint: its failure rolls back its own writes, its commit waits for the outer one.
  nested_ = db_.in_transaction();
  db_.exec(nested_ ? "SAVEPOINT nested" : db_.backend().begin_sql(immediate));
}
Transaction::~Transaction() {
  if (!done_) {
    try {
      db_.exec(nested_ ? "ROLLBACK TO nested; RELEASE nested" : "ROLLBACK");
    } catch (...) {
    }
  }
}
void Transaction::commit() {
  db_.exec(nested_ ? "RELEASE nested" : "COMMIT");
  done_ = true;
}

ForeignKeysOff::ForeignKeysOff(Db& db) : db_(db) {
  if (db_.kind() == DbKind::sqlite) db_.exec("PRAGMA foreign_keys=OFF");
}
ForeignKeysOff::~ForeignKeysOff() {
  try {
    if (db_.kind() == DbKind::sqlite) db_.exec("PRAGMA foreign_keys=ON");
  } catch (...) {
  }
}

void append_copy_text(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
}

}  // namespace mlpipe
