#pragma once
// What a database backend implements behind Db and Stmt (core/store/database.h): SQLite in
// sqlite_backend.cpp, PostgreSQL in postgres_backend.cpp. Only those and database.cpp include it.
#include <cstdint>
#include <memory>
#include <string>

#include "core/store/database.h"

namespace mlpipe {

class StmtBackend {
 public:
  virtual ~StmtBackend() = default;
  virtual void bind_int64(int i, int64_t v) = 0;
  virtual void bind_double(int i, double v) = 0;
  // `copy`: false when the text outlives the next step (bind_static).
  virtual void bind_text(int i, const std::string& v, bool copy) = 0;
  virtual void bind_null(int i) = 0;
  virtual bool step() = 0;
  virtual void reset() = 0;
  virtual int columns() const = 0;
  virtual std::string column_name(int i) const = 0;
  virtual int type(int i) const = 0;
  virtual int64_t int64(int i) const = 0;
  virtual double real(int i) const = 0;
  virtual std::string text(int i) const = 0;
};

class DbBackend {
 public:
  virtual ~DbBackend() = default;
  virtual void exec(const std::string& sql) = 0;
  virtual std::unique_ptr<StmtBackend> prepare(const std::string& sql) = 0;
  virtual bool in_transaction() const = 0;
  virtual std::string begin_sql(bool immediate) const = 0;
  virtual void set_query_only() = 0;
  virtual void copy_in(const std::string& copy_sql, const std::string& rows) = 0;
  virtual sqlite3* sqlite() { return nullptr; }
};

std::unique_ptr<DbBackend> open_sqlite(const std::filesystem::path& path, bool read_only);
std::unique_ptr<DbBackend> open_postgres(const DbLocation& where, bool read_only);

}  // namespace mlpipe
