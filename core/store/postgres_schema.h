#pragma once
// The run store's schema on PostgreSQL, as numbered migrations applied under an advisory lock:
// two machines upgrading at once apply each migration once, and a database from a newer mlpipe
// is refused.
#include "core/store/database.h"

namespace mlpipe {

int latest_postgres_schema_version();
void migrate_postgres(Db& db);
// Throws ConfigError when the database holds no mlpipe store (nothing is created by readers).
void require_postgres_store(const DbLocation& where);

}  // namespace mlpipe
