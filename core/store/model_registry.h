#pragma once
// The model registry, kept in the store: named models with immutable numbered versions (each the
// list of its bundle's files as objects of the store; registry/NAME/vN/ in the store folder is a
// readable copy rebuilt from them, never the source of truth), aliases such as "champion" that
// move between versions, and an event log of every registration and promotion (who, when, with
// which metrics). `db` is a store's database (store.db in the store's folder).
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/store/query.h"
#include "core/store/database.h"

namespace mlpipe {

struct ModelVersion {
  std::string name;
  int64_t version = 0;
  int64_t run_id = 0;
  std::string step, path, content_hash, manifest_hash, evaluated_on, created_at, created_by;
  std::string manifest_sha256;  // empty: registered before mlpipe recorded it
  nlohmann::json metrics = nlohmann::json::object();
  std::vector<std::pair<std::string, std::string>> objects;  // registered: bundle file -> object hash
  std::filesystem::path store_root;                          // registered: the store that holds them
};

struct Registration {
  ModelVersion model;
  bool created = false;  // false: this exact model was already registered (that version)
};

// Letters, digits, '.', '_' and '-', starting with a letter or digit; throws ConfigError naming
// `what` otherwise (names become folder names).
void check_model_name(const std::string& name, const std::string& what);

// Stores the bundle in `bundle_dir` as objects, as the next version of `name`, and logs the event.
// A model whose files equal an existing version's is not registered twice.
Registration register_model(Db& db, const std::string& name, const std::filesystem::path& bundle_dir,
                            int64_t run_id, const std::string& step, const nlohmann::json& metrics,
                            const std::string& evaluated_on, const std::string& by);

// The registered version of `name` whose files equal the bundle's, if any (registers nothing).
std::optional<ModelVersion> find_same_model(Db& db, const std::string& name, const std::filesystem::path& bundle_dir);

// Points `alias` at `version` and logs who did it; returns the version it pointed to before.
std::optional<int64_t> promote_model(Db& db, const std::string& name, int64_t version,
                                     const std::string& alias, const std::string& by,
                                     std::optional<int64_t> run_id, const std::string& note);

// Whether any version of `name` is registered.
bool has_model(Db& db, const std::string& name);

// "3", "v3", "latest", or an alias ("champion"); nullopt when the alias is not set yet.
// Throws ConfigError for an unknown model or version.
std::optional<ModelVersion> find_model(Db& db, const std::string& name, const std::string& ref);

// A folder holding the bundle, checked: for a registered version, its readable copy in the store
// (rebuilt from the version's objects when missing or changed; each object's hash checked); for
// a run's export (version 0), the recorded folder when its manifest still has the recorded hash.
std::filesystem::path verified_bundle_path(const ModelVersion& m);

// Records that a run's export step wrote a bundle whose manifest.json has this SHA-256.
void record_bundle_manifest(Db& db, const std::string& manifest_sha256, int64_t run_id, const std::string& step,
                            const std::string& path);
// Who in this store wrote or registered a bundle with this manifest ("run 12's step export",
// "credit v3"); nullopt when the store never recorded it (`predict DIR --verify`).
std::optional<std::string> recorded_bundle(Db& db, const std::string& manifest_sha256);

// `mlpipe models list`: one row per model (latest version, aliases, versions count).
QueryResult list_models(Db& db);
// `mlpipe models show NAME`: versions, aliases and events.
nlohmann::json show_model(Db& db, const std::string& name);
std::string format_model(const nlohmann::json& shown);

// The folder of readable copies of registered versions: registry/ in the store's folder.
std::filesystem::path registry_root(const Db& db);

}  // namespace mlpipe
