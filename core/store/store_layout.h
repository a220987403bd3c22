#pragma once
// Where one store keeps its parts. A store is a folder (default .mlpipe/ beside the pipeline):
//   store.db       the database: runs, steps, metrics, cache entries, registry (SQLite)
//   objects/ab/..  every cached output and registered model file, once, named by content hash
//   runs/<uid>/    each run's own files (models, predictions, checkpoints), keyed by the run's
//                  global id, so two stores or machines never write into one another's runs
//   tmp/           writes in progress (renamed into objects/ when complete)
// A team store keeps the database on a PostgreSQL server instead of store.db
// (--store postgresql://USER@HOST:PORT/DB?objects=FOLDER): the folder, which every machine
// mounts, holds the rest.
// A value type; thread-safe to share.
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include "core/store/database.h"

namespace mlpipe {

class StoreLayout {
 public:
  // `root` is made absolute and normal: recorded paths never depend on the shell's folder.
  explicit StoreLayout(const std::filesystem::path& root);
  // A store whose database is on a PostgreSQL server (`conninfo`, a libpq URI; `shown` is it
  // without a password) and whose files are under `root`.
  // The store a database belongs to.
  static StoreLayout of(const DbLocation& db);
  static StoreLayout on_postgres(const std::string& conninfo, const std::string& shown,
                                 const std::filesystem::path& root);

  const std::filesystem::path& root() const { return root_; }
  DbLocation db() const;
  bool on_server() const { return !conninfo_.empty(); }
  // For messages: the folder, or the server and the folder.
  std::string shown() const;
  std::filesystem::path objects() const { return root_ / "objects"; }
  std::filesystem::path tmp() const { return root_ / "tmp"; }
  std::filesystem::path run_dir(const std::string& run_uid) const { return root_ / "runs" / run_uid; }
  // Before stores: runs.db beside cache/, runs/<integer>/ and registry/.
  std::filesystem::path legacy_db() const { return root_ / "runs.db"; }

  // A path as the store records it: relative to the root when inside it, else absolute.
  std::string record_path(const std::filesystem::path& p) const;
  // A recorded path back to a usable one (relative ones are under the root).
  std::filesystem::path resolve(const std::string& recorded) const;

 private:
  std::filesystem::path root_;
  std::string conninfo_, shown_;
};

// A postgresql:// (or postgres://) store address split into the libpq URI and its objects
// folder (?objects=FOLDER, required). Throws ConfigError naming what is missing.
StoreLayout parse_postgres_store(const std::string& url);
bool is_postgres_url(const std::string& s);

// The store a command uses: `flag` (--store), else $MLPIPE_STORE, else the config file's
// `store:`, else `fallback`; each is a folder or a postgresql:// address.
// Throws ConfigError when the retired $MLPIPE_DB is set (it named a database file; a store is a
// folder now), so a CI job that sets it is not silently pointed at another history.
// A relative folder from the config file is relative to the shell's folder, as the flag's is.
StoreLayout choose_store(const std::string& flag, const std::filesystem::path& fallback);
// The same without a fallback: nullopt when neither the flag, $MLPIPE_STORE nor the config file
// names a store.
std::optional<StoreLayout> chosen_store(const std::string& flag);
// mlpipe's own config file: $MLPIPE_CONFIG, else $XDG_CONFIG_HOME/mlpipe/config.yaml, else
// ~/.config/mlpipe/config.yaml. It holds one key today, `store:` (a folder or a postgresql://
// address), read after --store and $MLPIPE_STORE. Throws ConfigError naming the file, line and
// column for a key it does not know.
std::filesystem::path user_config_file();
std::optional<std::string> configured_store();

// For commands that read or change an existing store: upgrades a store of the layout before
// stores (runs.db) in place (migrate_legacy_store, core/store/legacy_store.h), and throws ConfigError naming the folder
// when there is no store there at all (nothing is created where a command merely looks).
void require_store(const StoreLayout& store, std::ostream* log);

}  // namespace mlpipe
