#pragma once
// The store folder before stores (runs.db beside cache/, runs/N/ and registry/NAME/vN/), brought
// to the current layout in place.
#include <ostream>

#include "core/store/store_layout.h"

namespace mlpipe {

// Upgrades a legacy folder (runs.db, runs/N/, registry/NAME/vN/) to a store: the database is
// migrated and renamed store.db, registered versions are copied into objects/ and listed in the
// database, artifact paths become relative to the root. Nothing recorded is dropped; the old
// cache/ is left for `mlpipe gc` (its entries have no records, so they are never reused). Safe
// to call at once from several processes (a lock file); a no-op when there is nothing to do.
// Returns true when it migrated.
bool migrate_legacy_store(const StoreLayout& store, std::ostream* log);

}  // namespace mlpipe
