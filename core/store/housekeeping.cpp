#include "core/store/housekeeping.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <set>

#include "core/store/object_store.h"
#include "core/store/run_store.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {
namespace {

// Bytes of the regular files under `dir`; `unshared_only`: those not hard-linked elsewhere (a
// run's file that is also an object is counted with the objects).
int64_t tree_bytes(const fs::path& dir, int64_t* files = nullptr, bool unshared_only = false) {
  int64_t total = 0;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return 0;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec) && !(unshared_only && it->hard_link_count(ec) > 1)) {
      total += int64_t(it->file_size(ec));
      if (files) ++*files;
    }
  return total;
}

std::set<std::string> hashes(Db& db, const char* sql) {
  std::set<std::string> out;
  Stmt s = db.prepare(sql);
  while (s.step()) out.insert(s.text(0));
  return out;
}

double age_s(const fs::path& p) {
  std::error_code ec;
  auto t = fs::last_write_time(p, ec);
  if (ec) return 0;
  return std::chrono::duration<double>(fs::file_time_type::clock::now() - t).count();
}


std::string bytes_text(int64_t b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = double(b);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return (u == 0 ? std::to_string(b) : format_fixed(v, 1)) + " " + units[u];
}

}  // namespace

GcReport collect_garbage(const StoreLayout& store, const GcOptions& opt) {
  require_store(store, nullptr);
  int lock = ::open((store.root() / ".gc.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0) throw ConfigError(store.root().string() + ": cannot take the gc lock (the folder is not writable)");
  struct Close {
    int fd;
    ~Close() { ::close(fd); }
  } close_lock{lock};
  if (::flock(lock, LOCK_EX | LOCK_NB) != 0) throw ConfigError(store.root().string() + ": another gc is running");

  GcReport r;
  r.dry_run = opt.dry_run;
  RunStore rs(store.db());
  Db& db = rs.db();
  if (db.kind() == DbKind::postgres) {
    // Machines that mount the objects folder over NFS may not share flock: the server's lock
    // (held by this connection until it closes) keeps one gc per team store.
    Stmt l = db.prepare("SELECT pg_try_advisory_lock(7236828203640811879)");  // "mlpipe gc"
    if (!l.step() || l.int64(0) != 1) throw ConfigError(store.shown() + ": another gc is running (on another machine)");
  }
  std::set<std::string> keep;
  {
    Transaction tx(db, /*immediate=*/true);
    // The newest `keep` entries of each pipeline step stay; the others are forgotten (a later
    // run of them is a miss and recomputes).
    const char* ranked =
        "SELECT fingerprint, row_number() OVER (PARTITION BY r.pipeline, c.step ORDER BY c.created_at DESC,"
        " c.rowid DESC) AS n FROM cache_entries c JOIN runs r USING (run_id)";
    {
      Stmt s = db.prepare(std::string("SELECT count(*) FROM (") + ranked + ") WHERE n > ?");
      s.bind(1, opt.keep);
      s.step();
      r.entries_dropped = s.int64(0);
    }
    if (!opt.dry_run)
      db.prepare(std::string("DELETE FROM cache_entries WHERE fingerprint IN (SELECT fingerprint FROM (") + ranked +
                 ") WHERE n > ?)").bind(1, opt.keep).run();
    std::string kept_entries = std::string("SELECT fingerprint FROM (") + ranked + ") WHERE n <= " + std::to_string(opt.keep);
    keep = hashes(db, ("SELECT object FROM cache_objects WHERE fingerprint IN (" + kept_entries + ")").c_str());
    for (const auto& h : hashes(db, "SELECT object FROM model_objects")) keep.insert(h);
    // Every file a run recorded (models, predictions, bundle files): recorded forever, so kept.
    for (const auto& h : hashes(db, "SELECT content_hash FROM artifacts")) keep.insert(h);
    Stmt n = db.prepare("SELECT count(*) FROM (" + kept_entries + ")");
    n.step();
    r.entries_kept = n.int64(0);
    tx.commit();
  }
  std::error_code ec;
  ObjectStore(store).for_each([&](const std::string& hash, const fs::path& path, int64_t bytes) {
    if (keep.count(hash)) {
      ++r.objects_kept;
      r.bytes_kept += bytes;
    } else if (age_s(path) < opt.min_age_s) {
      ++r.objects_spared;
    } else {
      ++r.objects_deleted;
      r.bytes_deleted += bytes;
      if (!opt.dry_run) fs::remove(path, ec);
    }
  });
  if (fs::is_directory(store.tmp()))
    for (const auto& f : fs::directory_iterator(store.tmp()))
      if (age_s(f.path()) >= std::max(opt.min_age_s, 3600.0)) {  // left by a writer that crashed
        ++r.tmp_deleted;
        if (!opt.dry_run) fs::remove_all(f.path(), ec);
      }
  fs::path legacy = store.root() / "cache";  // the cache before stores: nothing reads it any more
  if (fs::is_directory(legacy) && (store.on_server() || fs::is_regular_file(store.db().file()))) {
    r.legacy_cache_bytes = tree_bytes(legacy);
    if (!opt.dry_run) fs::remove_all(legacy, ec);
  }
  return r;
}

json GcReport::to_json() const {
  return {{"dry_run", dry_run},           {"cache_entries_dropped", entries_dropped},
          {"cache_entries_kept", entries_kept}, {"objects_deleted", objects_deleted},
          {"bytes_deleted", bytes_deleted}, {"objects_kept", objects_kept},
          {"bytes_kept", bytes_kept},     {"objects_spared_as_recent", objects_spared},
          {"tmp_removed", tmp_deleted},   {"legacy_cache_bytes", legacy_cache_bytes}};
}

std::string GcReport::text() const {
  std::string verb = dry_run ? "would " : "";
  std::string out = "gc" + std::string(dry_run ? " (dry run: nothing removed)" : "") + "\n";
  out += "  cache entries  " + verb + "drop " + std::to_string(entries_dropped) + ", keep " + std::to_string(entries_kept) + "\n";
  out += "  objects        " + verb + "delete " + std::to_string(objects_deleted) + " (" + bytes_text(bytes_deleted) +
         "), keep " + std::to_string(objects_kept) + " (" + bytes_text(bytes_kept) + ")";
  if (objects_spared) out += ", spare " + std::to_string(objects_spared) + " unreferenced but recent";
  out += "\n";
  if (tmp_deleted) out += "  tmp/           " + verb + "remove " + std::to_string(tmp_deleted) + " leftovers of crashed writers\n";
  if (legacy_cache_bytes) out += "  cache/         " + verb + "remove the cache of the layout before stores (" + bytes_text(legacy_cache_bytes) + ")\n";
  out += "  runs, their records and files, and registered versions are never removed\n";
  return out;
}

json store_info(const StoreLayout& store) {
  require_store(store, nullptr);
  Db db = Db::open(store.db(), /*read_only=*/true);
  auto count = [&](const char* sql) {
    Stmt s = db.prepare(sql);
    s.step();
    return s.int64(0);
  };
  std::set<std::string> cached = hashes(db, "SELECT object FROM cache_objects");
  std::set<std::string> registered = hashes(db, "SELECT object FROM model_objects");
  std::set<std::string> of_runs = hashes(db, "SELECT content_hash FROM artifacts");
  int64_t n_cache = 0, b_cache = 0, n_reg = 0, b_reg = 0, n_none = 0, b_none = 0, n_run = 0, b_run = 0;
  ObjectStore(store).for_each([&](const std::string& h, const fs::path&, int64_t b) {
    if (registered.count(h)) {
      ++n_reg;
      b_reg += b;
    } else if (cached.count(h)) {
      ++n_cache;
      b_cache += b;
    } else if (of_runs.count(h)) {
      ++n_run;
      b_run += b;
    } else {
      ++n_none;
      b_none += b;
    }
  });
  int64_t db_bytes = 0;
  if (store.on_server())  // the store's tables with their indexes and TOAST, as the server counts them
    db_bytes = count("SELECT coalesce(sum(pg_total_relation_size(oid)), 0) FROM pg_class"
                     " WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'm')");
  for (const char* suffix : {"", "-wal", "-shm"}) {
    if (store.on_server()) break;
    std::error_code ec;
    fs::path p = store.db().file().string() + suffix;
    if (fs::is_regular_file(p, ec)) db_bytes += int64_t(fs::file_size(p, ec));
  }
  int64_t run_files = 0;
  json out = {
      {"store", store.shown()},
      {"runs", count("SELECT count(*) FROM runs")},
      {"cache_entries", count("SELECT count(*) FROM cache_entries")},
      {"cache_entries_bytes_logical", count("SELECT coalesce(sum(bytes), 0) FROM cache_entries")},
      {"model_versions", count("SELECT count(*) FROM models")},
      {"database_bytes", db_bytes},
      {"objects", {{"cache", {{"count", n_cache}, {"bytes", b_cache}}},
                   {"registry", {{"count", n_reg}, {"bytes", b_reg}}},
                   {"runs", {{"count", n_run}, {"bytes", b_run}}},
                   {"unreferenced", {{"count", n_none}, {"bytes", b_none}}}}},
      {"run_files_bytes", tree_bytes(store.root() / "runs", &run_files, /*unshared_only=*/true)},
      {"run_files", run_files},
      {"tmp_bytes", tree_bytes(store.tmp())},
      {"legacy_cache_bytes", tree_bytes(store.root() / "cache")},
  };
  return out;
}

std::string format_store_info(const json& i) {
  auto b = [](const json& v) { return bytes_text(v.get<int64_t>()); };
  const json& o = i["objects"];
  std::string out = "store " + i["store"].get<std::string>() + "\n";
  out += "  database         " + b(i["database_bytes"]) + "  (" + std::to_string(i["runs"].get<int64_t>()) + " runs, " +
         std::to_string(i["cache_entries"].get<int64_t>()) + " cache entries, " +
         std::to_string(i["model_versions"].get<int64_t>()) + " model versions)\n";
  out += "  objects: cache   " + b(o["cache"]["bytes"]) + "  (" + std::to_string(o["cache"]["count"].get<int64_t>()) +
         " objects; the entries list " + b(i["cache_entries_bytes_logical"]) + ", shared objects counted once here)\n";
  out += "  objects: models  " + b(o["registry"]["bytes"]) + "  (" + std::to_string(o["registry"]["count"].get<int64_t>()) + " objects)\n";
  out += "  objects: runs    " + b(o["runs"]["bytes"]) + "  (" + std::to_string(o["runs"]["count"].get<int64_t>()) +
         " objects: runs' models, predictions, bundle files)\n";
  out += "  objects: unused  " + b(o["unreferenced"]["bytes"]) + "  (" + std::to_string(o["unreferenced"]["count"].get<int64_t>()) +
         " objects; mlpipe gc deletes them)\n";
  out += "  other run files  " + b(i["run_files_bytes"]) + "  (" + std::to_string(i["run_files"].get<int64_t>()) +
         " files under runs/ that are not objects: checkpoints, scratch)\n";
  if (i["tmp_bytes"].get<int64_t>()) out += "  tmp/             " + b(i["tmp_bytes"]) + "\n";
  if (i["legacy_cache_bytes"].get<int64_t>())
    out += "  old cache/       " + b(i["legacy_cache_bytes"]) + "  (from before stores; mlpipe gc removes it)\n";
  return out;
}

}  // namespace mlpipe
