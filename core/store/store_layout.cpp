#include "core/store/store_layout.h"

#include <cctype>
#include <cstdlib>
#include <optional>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/store/legacy_store.h"
#include "core/store/postgres_schema.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace fs = std::filesystem;

namespace mlpipe {

StoreLayout::StoreLayout(const fs::path& root) : root_(fs::absolute(root).lexically_normal()) {
  if (root_.has_filename() == false && root_.has_parent_path()) root_ = root_.parent_path();  // "dir/" -> "dir"
}

StoreLayout StoreLayout::on_postgres(const std::string& conninfo, const std::string& shown, const fs::path& root) {
  StoreLayout l(root);
  l.conninfo_ = conninfo;
  l.shown_ = shown;
  return l;
}

StoreLayout StoreLayout::of(const DbLocation& db) {
  if (db.is_postgres()) return on_postgres(db.conninfo(), db.string(), db.store_root());
  return StoreLayout(db.store_root());
}

DbLocation StoreLayout::db() const {
  if (on_server()) return DbLocation::postgres(conninfo_, shown_, root_);
  return root_ / "store.db";
}

std::string StoreLayout::shown() const {
  return on_server() ? shown_ + " (objects in " + root_.string() + ")" : root_.string();
}

bool is_postgres_url(const std::string& s) {
  return starts_with(s, "postgresql://") || starts_with(s, "postgres://");
}

namespace {
std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += char(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}
}  // namespace

StoreLayout parse_postgres_store(const std::string& url) {
  size_t q = url.find('?');
  std::string base = url.substr(0, q), objects;
  std::vector<std::string> rest;
  if (q != std::string::npos) {
    for (const std::string& kv : split(url.substr(q + 1), '&')) {
      if (kv.empty()) continue;
      if (starts_with(kv, "objects=")) objects = percent_decode(kv.substr(8));
      else rest.push_back(kv);
    }
  }
  if (objects.empty())
    throw ConfigError("store " + url + ": a PostgreSQL store needs its objects folder, the folder every machine mounts "
                      "for models and cached step outputs: add ?objects=FOLDER, e.g. " + base +
                      "?objects=/shared/mlpipe-objects");
  std::string conninfo = base;
  for (size_t i = 0; i < rest.size(); ++i) conninfo += (i == 0 ? "?" : "&") + rest[i];
  // Shown without a password: user:secret@host -> user@host.
  std::string shown = base;
  size_t scheme = shown.find("://") + 3, at = shown.find('@', scheme);
  if (at != std::string::npos) {
    size_t colon = shown.find(':', scheme);
    if (colon != std::string::npos && colon < at) shown.erase(colon, at - colon);
  }
  return StoreLayout::on_postgres(conninfo, shown, objects);
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

fs::path user_config_file() {
  if (const char* c = std::getenv("MLPIPE_CONFIG"); c && *c) return c;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return fs::path(x) / "mlpipe" / "config.yaml";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".config" / "mlpipe" / "config.yaml";
  return {};
}

std::optional<std::string> configured_store() {
  fs::path file = user_config_file();
  if (file.empty() || !fs::is_regular_file(file)) {
    if (const char* c = std::getenv("MLPIPE_CONFIG"); c && *c)
      throw ConfigError(file.string() + ": no such file ($MLPIPE_CONFIG names mlpipe's config file)");
    return std::nullopt;
  }
  YAML::Node doc;
  try {
    doc = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    throw ConfigError(file.string() + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                      ": " + e.msg);
  }
  if (doc.IsNull()) return std::nullopt;
  if (!doc.IsMap()) throw ConfigError(file.string() + ": expected a mapping such as `store: postgresql://...`");
  std::optional<std::string> store;
  for (const auto& kv : doc) {
    std::string key = kv.first.as<std::string>();
    std::string where = file.string() + ":" + std::to_string(kv.first.Mark().line + 1) + ":" +
                        std::to_string(kv.first.Mark().column + 1);
    if (key != "store") throw ConfigError(where + ": unknown key '" + key + "'" + did_you_mean(key, {"store"}) + " (known: store)");
    if (!kv.second.IsScalar() || kv.second.as<std::string>().empty())
      throw ConfigError(where + ": store: expected a folder or a postgresql://...?objects=FOLDER address");
    store = kv.second.as<std::string>();
  }
  return store;
}

namespace {
// A folder or a server address; a server address without its server (an empty variable before
// ?objects=...) is refused rather than made into a folder named "?objects=".
StoreLayout store_at(const std::string& where, const char* from) {
  if (is_postgres_url(where)) return parse_postgres_store(where);
  if (where.find("?objects=") != std::string::npos || where.find("://") != std::string::npos)
    throw ConfigError(std::string(from) + " '" + where + "': not a folder, and not a store address either: a PostgreSQL "
                      "store is postgresql://USER@HOST:PORT/DB?objects=FOLDER");
  return StoreLayout(where);
}
}  // namespace

std::optional<StoreLayout> chosen_store(const std::string& flag) {
  if (!flag.empty()) return store_at(flag, "--store");
  if (const char* db = std::getenv("MLPIPE_DB"); db && *db)
    throw ConfigError(std::string("$MLPIPE_DB (") + db +
                      ") is no longer read: a store is a folder now (store.db, objects/, runs/). Set MLPIPE_STORE to "
                      "the folder instead, e.g. MLPIPE_STORE=" + shell_quote(fs::path(db).parent_path().empty()
                                                                               ? "."
                                                                               : fs::path(db).parent_path().string()) +
                      ", and unset MLPIPE_DB");
  if (const char* env = std::getenv("MLPIPE_STORE"); env && *env) return store_at(env, "$MLPIPE_STORE");
  if (std::optional<std::string> c = configured_store()) return store_at(*c, "store: in the config file");
  return std::nullopt;
}

StoreLayout choose_store(const std::string& flag, const fs::path& fallback) {
  if (std::optional<StoreLayout> s = chosen_store(flag)) return *s;
  return StoreLayout(fallback);
}

void require_store(const StoreLayout& store, std::ostream* log) {
  if (store.on_server()) {
    require_postgres_store(store.db());
    if (!fs::is_directory(store.root()))
      throw ConfigError(store.shown() + ": the objects folder " + store.root().string() +
                        " is not here; mount the store's shared folder on this machine (or fix ?objects=)");
    return;
  }
  if (fs::is_regular_file(store.db().file())) return;
  // Another process may have finished an upgrade between the two checks: look again.
  if (migrate_legacy_store(store, log) || fs::is_regular_file(store.db().file())) return;
  throw ConfigError(store.root().string() + ": no mlpipe store here (no store.db); run a pipeline first, or point "
                    "--store (or $MLPIPE_STORE) at the store's folder, e.g. --store path/to/.mlpipe");
}

}  // namespace mlpipe
