#include "core/store/store_layout.h"

#include <cstdlib>

#include "core/store/legacy_store.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace fs = std::filesystem;

namespace mlpipe {

StoreLayout::StoreLayout(const fs::path& root) : root_(fs::absolute(root).lexically_normal()) {
  if (root_.has_filename() == false && root_.has_parent_path()) root_ = root_.parent_path();  // "dir/" -> "dir"
}

std::string StoreLayout::record_path(const fs::path& p) const {
  fs::path abs = fs::absolute(p).lexically_normal();
  fs::path rel = abs.lexically_relative(root_);
  if (!rel.empty() && *rel.begin() != "..") return rel.generic_string();
  return abs.string();
}

fs::path StoreLayout::resolve(const std::string& recorded) const {
  fs::path p(recorded);
  return p.is_absolute() ? p : root_ / p;
}

StoreLayout choose_store(const std::string& flag, const fs::path& fallback) {
  if (!flag.empty()) return StoreLayout(flag);
  if (const char* db = std::getenv("MLPIPE_DB"); db && *db)
    throw ConfigError(std::string("$MLPIPE_DB (") + db +
                      ") is no longer read: a store is a folder now (store.db, objects/, runs/). Set MLPIPE_STORE to "
                      "the folder instead, e.g. MLPIPE_STORE=" + shell_quote(fs::path(db).parent_path().empty()
                                                                               ? "."
                                                                               : fs::path(db).parent_path().string()) +
                      ", and unset MLPIPE_DB");
  if (const char* env = std::getenv("MLPIPE_STORE"); env && *env) return StoreLayout(env);
  return StoreLayout(fallback);
}

void require_store(const StoreLayout& store, std::ostream* log) {
  if (fs::is_regular_file(store.db())) return;
  // Another process may have finished an upgrade between the two checks: look again.
  if (migrate_legacy_store(store, log) || fs::is_regular_file(store.db())) return;
  throw ConfigError(store.root().string() + ": no mlpipe store here (no store.db); run a pipeline first, or point "
                    "--store (or $MLPIPE_STORE) at the store's folder, e.g. --store path/to/.mlpipe");
}

}  // namespace mlpipe
