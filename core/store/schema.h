#pragma once
// The run store's schema as numbered migrations. Opening a database applies the missing ones
// inside one IMMEDIATE transaction, so two processes creating a new database never both migrate.
#include "core/store/database.h"

namespace mlpipe {

// The newest schema version this binary knows.
int latest_schema_version();

// Applies pending migrations. Throws if the database is newer than this binary understands.
void migrate(Db& db);

}  // namespace mlpipe
