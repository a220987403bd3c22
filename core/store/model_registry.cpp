#include "core/store/model_registry.h"

#include <algorithm>
#include <cctype>

#include "core/store/object_store.h"
#include "core/store/store_layout.h"
#include "core/util/atomic_file.h"
#include "core/util/clock.h"
#include "core/util/error.h"
#include "core/util/hash.h"
#include "core/util/sha256.h"
#include "core/util/strings.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {
namespace {

StoreLayout layout_of(const Db& db) { return StoreLayout::of(db.path()); }

ModelVersion read_version(Stmt& s) {
  ModelVersion m;
  m.name = s.text(0);
  m.version = s.int64(1);
  m.run_id = s.int64(2);
  m.step = s.text(3);
  m.path = s.text(4);
  m.content_hash = s.text(5);
  m.manifest_hash = s.text(6);
  m.manifest_sha256 = s.is_null(11) ? "" : s.text(11);
  m.metrics = json::parse(s.text(7));
  m.evaluated_on = s.is_null(8) ? "" : s.text(8);
  m.created_at = s.text(9);
  m.created_by = s.text(10);
  return m;
}

const char* kVersionColumns =
    "SELECT name, version, run_id, step, path, content_hash, manifest_hash, metrics, evaluated_on,"
    " created_at, created_by, manifest_sha256 FROM models";

std::optional<ModelVersion> version_where(Db& db, const std::string& where, const std::string& name,
                                          std::optional<int64_t> version = std::nullopt) {
  Stmt s = db.prepare(std::string(kVersionColumns) + " WHERE " + where);
  s.bind(1, name);
  if (version) s.bind(2, *version);
  if (!s.step()) return std::nullopt;
  return read_version(s);
}

// A version as read from its row, completed: its objects and the store that holds them.
ModelVersion completed(Db& db, ModelVersion m) {
  StoreLayout layout = layout_of(db);
  m.store_root = layout.root();
  m.path = layout.resolve(m.path).string();
  Stmt s = db.prepare("SELECT file, object FROM model_objects WHERE name = ? AND version = ? ORDER BY file");
  s.bind(1, m.name).bind(2, m.version);
  while (s.step()) m.objects.emplace_back(s.text(0), s.text(1));
  return m;
}

std::optional<ModelVersion> completed(Db& db, std::optional<ModelVersion> m) {
  if (!m) return m;
  return completed(db, std::move(*m));
}

// Rebuilds the readable copy of a registered version from its objects (each checked).
void write_view(const ModelVersion& m, const fs::path& view) {
  ObjectStore objects{StoreLayout(m.store_root)};
  fs::create_directories(view.parent_path());
  RemoveOnExit staged(temp_sibling(view));
  fs::create_directories(staged.path());
  for (const auto& [file, object] : m.objects) objects.copy_out(object, staged.path() / file);
  replace_directory(staged.path(), view);
}

// The model's identity: its files' XXH3 hashes, without the manifest (which names the run and
// time). XXH3 whatever the manifest uses, so a model registered before bundles listed SHA-256
// is still recognised as the same model.
std::string bundle_content_hash(const fs::path& dir, const json& manifest) {
  std::string ids;
  for (const auto& [file, info] : manifest.at("files").items()) ids += file + ":" + hash_file(dir / file) + "\n";
  return hash_bytes(ids);
}

void log_event(Db& db, const std::string& name, int64_t version, const std::string& action,
               const std::optional<std::string>& alias, std::optional<int64_t> previous,
               const std::string& by, std::optional<int64_t> run_id, const std::string& metrics,
               const std::string& note) {
  db.prepare("INSERT INTO model_events(name, version, action, alias, previous_version, at, by, run_id,"
             " metrics, note) VALUES (?,?,?,?,?,?,?,?,?,?)")
      .bind(1, name).bind(2, version).bind(3, action).bind(4, alias).bind(5, previous)
      .bind(6, now_iso()).bind(7, by).bind(8, run_id).bind(9, metrics)
      .bind(10, note.empty() ? std::optional<std::string>() : std::optional<std::string>(note))
      .run();
}

void require_model(Db& db, const std::string& name) {
  Stmt s = db.prepare("SELECT 1 FROM models WHERE name = ?");
  s.bind(1, name);
  if (s.step()) return;
  std::vector<std::string> names;
  Stmt all = db.prepare("SELECT DISTINCT name FROM models ORDER BY name");
  while (all.step()) names.push_back(all.text(0));
  throw ConfigError("no registered model '" + name + "' in " + db.path().string() + did_you_mean(name, names) +
                    (names.empty() ? " (nothing is registered yet: add `register: NAME` to an export step)"
                                   : "; registered: " + join(names, ", ")));
}

}  // namespace

bool has_model(Db& db, const std::string& name) {
  Stmt s = db.prepare("SELECT 1 FROM models WHERE name = ?");
  s.bind(1, name);
  return s.step();
}

void check_model_name(const std::string& name, const std::string& what) {
  bool ok = !name.empty() && name.size() <= 100 && std::isalnum(static_cast<unsigned char>(name[0]));
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
  if (!ok)
    throw ConfigError(what + ": '" + name + "' is not a valid name: use letters, digits, '.', '_' and '-', "
                      "starting with a letter or digit");
}

fs::path registry_root(const Db& db) { return layout_of(db).root() / "registry"; }

Registration register_model(Db& db, const std::string& name, const fs::path& bundle_dir, int64_t run_id,
                            const std::string& step, const json& metrics, const std::string& evaluated_on,
                            const std::string& by) {
  check_model_name(name, "register");
  json manifest = json::parse(read_file(bundle_dir / "manifest.json"));
  std::string content = bundle_content_hash(bundle_dir, manifest);
  {
    Stmt s = db.prepare(std::string(kVersionColumns) + " WHERE name = ? AND content_hash = ? ORDER BY version DESC LIMIT 1");
    s.bind(1, name).bind(2, content);
    if (s.step()) return {completed(db, read_version(s)), false};
  }

  // Objects first (slow, outside the lock; harmless if this registration fails), then the version
  // is numbered and recorded in one write transaction.
  ObjectStore objects(layout_of(db));
  ModelVersion m;
  for (const auto& e : fs::directory_iterator(bundle_dir))
    if (e.is_regular_file()) m.objects.emplace_back(e.path().filename().string(), objects.put_copy(e.path()));
  std::sort(m.objects.begin(), m.objects.end());
  m.name = name;
  m.run_id = run_id;
  m.step = step;
  m.content_hash = content;
  for (const auto& [file, object] : m.objects)
    if (file == "manifest.json") m.manifest_hash = object;
  m.manifest_sha256 = sha256_file(bundle_dir / "manifest.json");
  m.metrics = metrics.is_null() ? json::object() : metrics;
  m.evaluated_on = evaluated_on;
  m.created_at = now_iso();
  m.created_by = by;
  m.store_root = layout_of(db).root();
  Transaction tx(db);
  {
    Stmt s = db.prepare("SELECT coalesce(max(version), 0) + 1 FROM models WHERE name = ?");
    s.bind(1, name);
    s.step();
    m.version = s.int64(0);
  }
  fs::path view = registry_root(db) / name / ("v" + std::to_string(m.version));
  m.path = view.string();
  db.prepare("INSERT INTO models(name, version, run_id, step, path, content_hash, manifest_hash, metrics,"
             " evaluated_on, created_at, created_by, manifest_sha256) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
      .bind(1, name).bind(2, m.version).bind(3, run_id).bind(4, step).bind(5, layout_of(db).record_path(view))
      .bind(6, m.content_hash).bind(7, m.manifest_hash).bind(8, m.metrics.dump())
      .bind(9, evaluated_on.empty() ? std::optional<std::string>() : std::optional<std::string>(evaluated_on))
      .bind(10, m.created_at).bind(11, by).bind(12, m.manifest_sha256)
      .run();
  Stmt ins = db.prepare("INSERT INTO model_objects(name, version, file, object, bytes) VALUES (?,?,?,?,?)");
  for (const auto& [file, object] : m.objects)
    ins.bind(1, name).bind(2, m.version).bind(3, file).bind(4, object)
        .bind(5, int64_t(fs::file_size(objects.path(object)))).run();
  log_event(db, name, m.version, "register", std::nullopt, std::nullopt, by, run_id, m.metrics.dump(), "");
  tx.commit();
  write_view(m, view);  // a copy to look at; predict checks and rebuilds it from the objects
  return {m, true};
}

std::optional<ModelVersion> find_same_model(Db& db, const std::string& name, const fs::path& bundle_dir) {
  json manifest = json::parse(read_file(bundle_dir / "manifest.json"));
  Stmt s = db.prepare(std::string(kVersionColumns) + " WHERE name = ? AND content_hash = ? ORDER BY version DESC LIMIT 1");
  s.bind(1, name).bind(2, bundle_content_hash(bundle_dir, manifest));
  if (!s.step()) return std::nullopt;
  return completed(db, read_version(s));
}

std::optional<int64_t> promote_model(Db& db, const std::string& name, int64_t version, const std::string& alias,
                                     const std::string& by, std::optional<int64_t> run_id, const std::string& note) {
  check_model_name(alias, "alias");
  if (alias == "latest" || std::isdigit(static_cast<unsigned char>(alias[0])) || (alias[0] == 'v' && alias.size() > 1 &&
                                                                                std::isdigit(static_cast<unsigned char>(alias[1]))))
    throw ConfigError("alias '" + alias + "' would be read as a version; choose a name such as champion or staging");
  Transaction tx(db);
  require_model(db, name);
  std::optional<ModelVersion> m = version_where(db, "name = ?1 AND version = ?2", name, version);
  if (!m) {
    Stmt s = db.prepare("SELECT max(version) FROM models WHERE name = ?");
    s.bind(1, name);
    s.step();
    throw ConfigError("model '" + name + "' has no version " + std::to_string(version) + " (versions 1 to " +
                      std::to_string(s.int64(0)) + ")");
  }
  std::optional<int64_t> previous;
  {
    Stmt s = db.prepare("SELECT version FROM model_aliases WHERE name = ? AND alias = ?");
    s.bind(1, name).bind(2, alias);
    if (s.step()) previous = s.int64(0);
  }
  db.prepare("INSERT INTO model_aliases(name, alias, version, set_at, set_by) VALUES (?,?,?,?,?)"
             " ON CONFLICT(name, alias) DO UPDATE SET version = excluded.version, set_at = excluded.set_at,"
             " set_by = excluded.set_by")
      .bind(1, name).bind(2, alias).bind(3, version).bind(4, now_iso()).bind(5, by)
      .run();
  log_event(db, name, version, "promote", alias, previous, by, run_id, m->metrics.dump(), note);
  tx.commit();
  return previous;
}

std::optional<ModelVersion> find_model(Db& db, const std::string& name, const std::string& ref) {
  require_model(db, name);
  std::string r = ref;
  if (r.size() > 1 && r[0] == 'v' && std::isdigit(static_cast<unsigned char>(r[1]))) r = r.substr(1);
  if (r == "latest") return completed(db, version_where(db, "name = ?1 ORDER BY version DESC LIMIT 1", name));
  if (!r.empty() && std::all_of(r.begin(), r.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    auto m = version_where(db, "name = ?1 AND version = ?2", name, std::stoll(r));
    if (!m) throw ConfigError("model '" + name + "' has no version " + r);
    return completed(db, m);
  }
  Stmt s = db.prepare(std::string(kVersionColumns) +
                      " WHERE name = ?1 AND version = (SELECT version FROM model_aliases WHERE name = ?1 AND alias = ?2)");
  s.bind(1, name).bind(2, r);
  if (!s.step()) return std::nullopt;
  return completed(db, read_version(s));
}

fs::path verified_bundle_path(const ModelVersion& m) {
  if (m.version > 0) {
    std::string who = m.name + " v" + std::to_string(m.version);
    if (m.objects.empty())
      throw ConfigError(who + ": its files are not in the store " + m.store_root.string() +
                        " (registered before stores kept models, and gone since)");
    fs::path view = m.path;
    bool intact = fs::is_directory(view);
    size_t present = 0;
    for (const auto& e : intact ? fs::directory_iterator(view) : fs::directory_iterator()) present += e.is_regular_file();
    intact = intact && present == m.objects.size();
    for (const auto& [file, object] : m.objects) {
      if (!intact) break;
      intact = fs::is_regular_file(view / file) && hash_file(view / file) == object;
    }
    if (!intact) write_view(m, view);  // from the version's objects, each checked against its hash
    // The manifest is the one the registry recorded (its SHA-256 too, since mlpipe recorded it).
    if (!m.manifest_sha256.empty() && sha256_file(view / "manifest.json") != m.manifest_sha256)
      throw ConfigError((view / "manifest.json").string() + ": SHA-256 does not match the one the registry recorded for " +
                        who + " (" + m.manifest_sha256 + "); refusing to use it");
    return view;
  }
  fs::path p = m.path;
  fs::path manifest = p / "manifest.json";
  if (!fs::is_regular_file(manifest))
    throw ConfigError(m.name + (m.version ? " v" + std::to_string(m.version) : std::string()) + ": its bundle " +
                      p.string() + " is missing");
  std::string h = hash_file(manifest);
  if (h != m.manifest_hash)
    throw ConfigError(manifest.string() + ": content hash " + h + " does not match the " +
                      (m.version ? "registry (" + m.manifest_hash + "); the registered bundle was modified, refusing to use it"
                                 : "one " + m.name + " recorded (" + m.manifest_hash +
                                       "); it was changed after that run recorded it (register models to keep them)"));
  return p;
}

void record_bundle_manifest(Db& db, const std::string& sha, int64_t run_id, const std::string& step,
                            const std::string& path) {
  db.prepare("INSERT INTO bundle_manifests(sha256, run_id, step, path, recorded_at) VALUES (?,?,?,?,?)"
              " ON CONFLICT DO NOTHING")
      .bind(1, sha).bind(2, run_id).bind(3, step).bind(4, path).bind(5, now_iso())
      .run();
}

std::optional<std::string> recorded_bundle(Db& db, const std::string& sha) {
  Stmt v = db.prepare("SELECT name, version FROM models WHERE manifest_sha256 = ? ORDER BY name, version LIMIT 1");
  v.bind(1, sha);
  if (v.step()) return v.text(0) + " v" + std::to_string(v.int64(1));
  Stmt e = db.prepare("SELECT run_id, step FROM bundle_manifests WHERE sha256 = ? ORDER BY run_id LIMIT 1");
  e.bind(1, sha);
  if (e.step()) return "run " + std::to_string(e.int64(0)) + "'s step " + e.text(1);
  return std::nullopt;
}

QueryResult list_models(Db& db) {
  return run_readonly_query(db,
      "SELECT m.name, max(m.version) AS latest, count(*) AS versions,"
      " coalesce((SELECT group_concat(a.alias || '=v' || a.version, ' ') FROM model_aliases a WHERE a.name = m.name), '')"
      " AS aliases,"
      " (SELECT created_at FROM models x WHERE x.name = m.name ORDER BY version DESC LIMIT 1) AS updated_at,"
      " (SELECT run_id FROM models x WHERE x.name = m.name ORDER BY version DESC LIMIT 1) AS latest_run"
      " FROM models m GROUP BY m.name ORDER BY m.name");
}

json show_model(Db& db, const std::string& name) {
  require_model(db, name);
  json out = {{"name", name}, {"versions", json::array()}, {"aliases", json::object()}, {"events", json::array()}};
  Stmt a = db.prepare("SELECT alias, version, set_at, set_by FROM model_aliases WHERE name = ? ORDER BY alias");
  a.bind(1, name);
  while (a.step()) out["aliases"][a.text(0)] = {{"version", a.int64(1)}, {"set_at", a.text(2)}, {"set_by", a.text(3)}};
  Stmt v = db.prepare(std::string(kVersionColumns) + " WHERE name = ? ORDER BY version");
  v.bind(1, name);
  while (v.step()) {
    ModelVersion m = read_version(v);
    json aliases = json::array();
    for (const auto& [alias, info] : out["aliases"].items())
      if (info["version"] == m.version) aliases.push_back(alias);
    m = completed(db, m);
    out["versions"].push_back({{"version", m.version}, {"run_id", m.run_id}, {"step", m.step}, {"path", m.path},
                               {"content_hash", m.content_hash}, {"metrics", m.metrics},
                               {"evaluated_on", m.evaluated_on}, {"created_at", m.created_at},
                               {"created_by", m.created_by}, {"aliases", aliases}});
  }
  Stmt e = db.prepare("SELECT at, action, version, alias, previous_version, by, run_id, note FROM model_events"
                      " WHERE name = ? ORDER BY event_id");
  e.bind(1, name);
  while (e.step()) {
    json ev = {{"at", e.text(0)}, {"action", e.text(1)}, {"version", e.int64(2)}, {"by", e.text(5)}};
    if (!e.is_null(3)) ev["alias"] = e.text(3);
    if (!e.is_null(4)) ev["previous_version"] = e.int64(4);
    if (!e.is_null(6)) ev["run_id"] = e.int64(6);
    if (!e.is_null(7)) ev["note"] = e.text(7);
    out["events"].push_back(ev);
  }
  return out;
}

std::string format_model(const json& d) {
  auto metric_text = [](const json& metrics) {
    std::string s;
    for (const auto& [k, v] : metrics.items())
      if (v.is_number() && k != "rows") s += (s.empty() ? "" : "  ") + k + " " + format_fixed(v.get<double>(), 4);
    return s;
  };
  std::string out = "model " + d["name"].get<std::string>() + "\n\nversions\n";
  for (const auto& v : d["versions"]) {
    std::string aliases;
    for (const auto& a : v["aliases"]) aliases += (aliases.empty() ? "" : ",") + a.get<std::string>();
    out += "  v" + std::to_string(v["version"].get<int64_t>()) + "  run " + std::to_string(v["run_id"].get<int64_t>()) +
           "  " + v["created_at"].get<std::string>() + "  " + v["created_by"].get<std::string>() +
           (aliases.empty() ? "" : "  [" + aliases + "]") + "\n      " +
           (v["evaluated_on"].get<std::string>().empty() ? "" : v["evaluated_on"].get<std::string>() + ": ") +
           metric_text(v["metrics"]) + "\n      " + v["path"].get<std::string>() + "\n";
  }
  out += "\nhistory\n";
  for (const auto& e : d["events"]) {
    out += "  " + e["at"].get<std::string>() + "  " + e["by"].get<std::string>() + "  " + e["action"].get<std::string>() +
           " v" + std::to_string(e["version"].get<int64_t>());
    if (e.contains("alias")) out += " as " + e["alias"].get<std::string>();
    if (e.contains("previous_version")) out += " (was v" + std::to_string(e["previous_version"].get<int64_t>()) + ")";
    if (e.contains("run_id")) out += "  by run " + std::to_string(e["run_id"].get<int64_t>());
    if (e.contains("note")) out += "  \"" + e["note"].get<std::string>() + "\"";
    out += "\n";
  }
  return out;
}

}  // namespace mlpipe
