#include "core/store/legacy_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <optional>
#include <tuple>
#include <vector>

#include "core/store/object_store.h"
#include "core/store/run_store.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace fs = std::filesystem;

namespace mlpipe {

namespace {

// Artifact paths were recorded as the step saw them: relative to the shell's folder at the time
// (which is not known any more) or absolute. Their files are under runs/<run id>/ in the root.
std::optional<std::string> rooted_artifact(const StoreLayout& store, int64_t run, const std::string& path) {
  fs::path p(path);
  if (p.is_absolute()) return store.record_path(p);
  std::string key = "runs/" + std::to_string(run) + "/";
  std::string generic = p.generic_string();
  size_t at = generic.rfind(key);
  if (at == std::string::npos || (at > 0 && generic[at - 1] != '/')) return std::nullopt;
  return generic.substr(at);
}

}  // namespace

bool migrate_legacy_store(const StoreLayout& store, std::ostream* log) {
  if (store.on_server()) return false;  // a server store never had the layout before stores
  if (fs::is_regular_file(store.db().file()) || !fs::is_regular_file(store.legacy_db())) return false;
  // One process migrates; the others wait for it and then find store.db.
  int lock = ::open((store.root() / ".migrate.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0) throw ConfigError(store.root().string() + ": cannot upgrade this store (the folder is not writable)");
  ::flock(lock, LOCK_EX);
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }
  } unlock{lock};
  if (fs::is_regular_file(store.db().file()) || !fs::is_regular_file(store.legacy_db())) return false;

  size_t versions = 0, files = 0, moved = 0;
  std::vector<std::string> missing;
  {
    RunStore rs(store.legacy_db());  // brings the schema to the current version
    Db& db = rs.db();
    ObjectStore objects(store);
    Transaction tx(db, /*immediate=*/true);
    {
      std::vector<std::tuple<int64_t, std::string, std::string, std::string>> rows;
      Stmt s = db.prepare("SELECT run_id, step, name, path FROM artifacts");
      while (s.step()) rows.emplace_back(s.int64(0), s.text(1), s.text(2), s.text(3));
      Stmt u = db.prepare("UPDATE artifacts SET path = ? WHERE run_id = ? AND step = ? AND name = ?");
      for (const auto& [run, step, name, path] : rows)
        if (auto p = rooted_artifact(store, run, path); p && *p != path) {
          u.bind(1, *p).bind(2, run).bind(3, step).bind(4, name).run();
          ++moved;
        }
    }
    {
      std::vector<std::tuple<std::string, int64_t, std::string>> rows;
      Stmt s = db.prepare("SELECT name, version, path FROM models m WHERE NOT EXISTS"
                          " (SELECT 1 FROM model_objects o WHERE o.name = m.name AND o.version = m.version)");
      while (s.step()) rows.emplace_back(s.text(0), s.int64(1), s.text(2));
      Stmt ins = db.prepare("INSERT INTO model_objects(name, version, file, object, bytes) VALUES (?,?,?,?,?)");
      for (auto [name, version, path] : rows) {
        // Recorded absolute; a store that was moved since has it under its own registry/.
        fs::path beside = store.root() / "registry" / name / ("v" + std::to_string(version));
        if (!fs::is_directory(path) && fs::is_directory(beside)) path = beside.string();
        if (!fs::is_directory(path)) {
          missing.push_back(name + " v" + std::to_string(version));
          continue;
        }
        for (const auto& e : fs::directory_iterator(path))
          if (e.is_regular_file()) {
            std::string hash = objects.put_copy(e.path());
            ins.bind(1, name).bind(2, version).bind(3, e.path().filename().string()).bind(4, hash)
                .bind(5, int64_t(e.file_size())).run();
            ++files;
          }
        ++versions;
      }
    }
    tx.commit();
  }
  // The database is closed (its WAL checkpointed); a WAL still there belongs with it.
  for (const char* suffix : {"-wal", "-shm"}) {
    fs::path side = store.legacy_db().string() + suffix;
    if (fs::exists(side)) fs::rename(side, store.db().file().string() + suffix);
  }
  fs::rename(store.legacy_db(), store.db().file());
  if (log) {
    *log << "mlpipe: upgraded " << store.root().string() << " to a store: runs.db is now store.db, " << versions
         << " registered version(s) copied into objects/ (" << files << " files), " << moved
         << " artifact path(s) made relative to the store; the old cache/ is not used any more (mlpipe gc removes it)\n";
    if (!missing.empty())
      *log << "mlpipe: warning: the files of " << join(missing, ", ")
           << " were already gone from the registry folder; those versions cannot be scored\n";
  }
  return true;
}

}  // namespace mlpipe
