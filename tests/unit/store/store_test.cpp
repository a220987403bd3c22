#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <atomic>
#include <thread>
#include <vector>

#include "core/store/query.h"
#include "core/store/run_store.h"
#include "tests/unit/store/store_fixtures.h"
#include "core/store/schema.h"
#include "core/util/error.h"

using namespace mlpipe;
using mlpipe::testing::count;
namespace fs = std::filesystem;

namespace {
struct TempDb {
  fs::path dir = fs::temp_directory_path() / ("mlpipe-store-" + std::to_string(::getpid()) + "-" +
                                              std::to_string(reinterpret_cast<uintptr_t>(this)));
  fs::path path = dir / "store.db";
  TempDb() { fs::remove_all(dir); }
  ~TempDb() { fs::remove_all(dir); }
};

RunInfo info() {
  RunInfo r = testing::run_info();
  return r;
}
}  // namespace

TEST_CASE("a new store is migrated once, in WAL mode with foreign keys") {
  TempDb t;
  { RunStore s(t.path); }
  RunStore s(t.path);  // reopening applies nothing twice
  CHECK(count(s.db(), "SELECT count(*) FROM schema_migrations") == latest_schema_version());
  Stmt mode = s.db().prepare("PRAGMA journal_mode");
  REQUIRE(mode.step());
  CHECK(mode.text(0) == "wal");
  CHECK(count(s.db(), "PRAGMA foreign_keys") == 1);
  CHECK(count(s.db(), "PRAGMA page_size") == 32768);  // fewer pages per metric batch
}

TEST_CASE("two processes' worth of connections opening a new store migrate it exactly once") {
  TempDb t;
  fs::create_directories(t.dir);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      try {
        RunStore s(t.path);
      } catch (const std::exception& e) {
        failures++;
        MESSAGE(e.what());
      }
    });
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  RunStore s(t.path);
  CHECK(count(s.db(), "SELECT count(*) FROM schema_migrations") == latest_schema_version());
}

TEST_CASE("runs, steps, params and metric batches are recorded") {
  TempDb t;
  RunStore s(t.path);
  int64_t run = s.begin_run(info());
  s.add_step(run, "train", "train");
  s.step_started(run, "train");
  std::vector<MetricPoint> pts;
  for (int i = 1; i <= 1000; ++i) pts.push_back({"auc", "valid", i, 0.5 + i * 1e-4});
  s.add_metrics(run, "train", pts);
  s.add_params(run, "train", {{"params.eta", "0.1"}});
  s.step_finished(run, "train", "ok", "", 1.5);
  s.finish_run(run, "ok", 0, "", 2.0);
  CHECK(count(s.db(), "SELECT count(*) FROM metrics WHERE run_id = 1 AND key = 'auc'") == 1000);
  CHECK(count(s.db(), "SELECT max(iteration) FROM metrics") == 1000);
  CHECK(count(s.db(), "SELECT count(*) FROM runs WHERE status = 'ok' AND git_commit IS NULL") == 1);
  CHECK(count(s.db(), "SELECT count(*) FROM steps WHERE status = 'ok' AND duration_s = 1.5") == 1);
  CHECK_THROWS_AS(s.step_finished(run, "train", "bogus", "", 0), StepError);  // CHECK constraint
}

TEST_CASE("metric batches check their run once, and foreign keys are back on after them") {
  // add_metrics turns foreign keys off for its batch and checks the run itself.
  TempDb t;
  RunStore s(t.path);
  int64_t run = s.begin_run(info());
  std::vector<MetricPoint> pts = {{"auc", "valid", 1, 0.5}, {"auc", "", std::nullopt, 0.6}};
  CHECK_THROWS_WITH_AS(s.add_metrics(run + 1, "train", pts), "run store: no run 2 to record metrics for", StepError);
  CHECK(count(s.db(), "SELECT count(*) FROM metrics") == 0);
  CHECK(count(s.db(), "PRAGMA foreign_keys") == 1);
  s.add_metrics(run, "train", pts);
  CHECK(count(s.db(), "SELECT count(*) FROM metrics WHERE split IS NULL AND iteration IS NULL") == 1);
  CHECK(count(s.db(), "PRAGMA foreign_keys") == 1);
  CHECK_THROWS_AS(s.db().exec("INSERT INTO metrics(run_id, step, key, value, recorded_at) VALUES (9, 's', 'k', 1, 'now')"),
                  StepError);
}

TEST_CASE("queries are read-only: writes, ATTACH and PRAGMA are refused") {
  TempDb t;
  { RunStore s(t.path); s.begin_run(info()); }
  QueryResult r = query_database(t.path, "SELECT run_id, pipeline FROM runs");
  CHECK(r.columns == std::vector<std::string>{"run_id", "pipeline"});
  REQUIRE(r.rows.size() == 1);
  CHECK(r.rows[0][1] == "p");
  CHECK(format_csv(r) == "run_id,pipeline\n1,p\n");
  CHECK(format_json(r).find("\"pipeline\": \"p\"") != std::string::npos);
  for (const char* sql : {"DROP TABLE runs", "DELETE FROM runs", "INSERT INTO runs(run_id) VALUES (9)",
                          "ATTACH DATABASE '/tmp/x.db' AS x", "PRAGMA journal_mode=DELETE",
                          "UPDATE runs SET status = 'ok'", "CREATE TABLE t(x)"}) {
    CAPTURE(sql);
    CHECK_THROWS_AS(query_database(t.path, sql), ConfigError);
  }
  CHECK_THROWS_WITH_AS(query_database(t.path, "SELECT 1; DROP TABLE runs"),
                       "query: one statement at a time, please (found more after the first ';')",
                       ConfigError);
  CHECK(query_database(t.path, "SELECT count(*) FROM runs").rows[0][0] == 1);
}

TEST_CASE("a database from a newer mlpipe is refused, not silently used") {
  TempDb t;
  {
    RunStore s(t.path);
    s.db().exec("INSERT INTO schema_migrations VALUES (999, 'x')");
  }
  CHECK_THROWS_AS(RunStore(t.path), ConfigError);
}

TEST_CASE("a transaction inside another is a savepoint: its failure undoes only its own writes") {
  TempDb t;
  RunStore s(t.path);
  Db& db = s.db();
  db.exec("CREATE TABLE t(x INTEGER)");
  {
    Transaction outer(db);
    db.exec("INSERT INTO t VALUES (1)");
    {
      Transaction failed(db);  // not committed: rolled back to its start
      db.exec("INSERT INTO t VALUES (2)");
    }
    {
      Transaction inner(db);
      db.exec("INSERT INTO t VALUES (3)");
      inner.commit();  // kept, but only once the outer one commits
    }
    outer.commit();
  }
  CHECK(count(db, "SELECT count(*) FROM t") == 2);
  CHECK(count(db, "SELECT sum(x) FROM t") == 4);  // 1 and 3
  {
    Transaction outer(db);
    Transaction inner(db);
    db.exec("INSERT INTO t VALUES (5)");
    inner.commit();
  }  // the outer one is not committed: the inner commit goes with it
  CHECK(count(db, "SELECT count(*) FROM t") == 2);
}

TEST_CASE("a reused step gets the records of the step that computed its cache entry, in one commit") {
  TempDb t;
  RunStore s(t.path);
  int64_t first = s.begin_run(info());
  s.add_step(first, "fit", "train");
  s.set_fingerprint(first, "fit", "fp1", "{}");
  s.add_metrics(first, "fit", {{"auc", "valid", 1, 0.7}, {"auc", "valid", std::nullopt, 0.8}});
  s.add_input(first, "fit", "/data/x.csv", "h", 10, 3, 2);
  s.add_artifact(first, "fit", "model", "runs/u/fit/m.json", "hm", 20);
  s.step_finished(first, "fit", "ok", "", 1.0);
  CacheEntry e;
  e.fingerprint = "fp1";
  e.run_id = first;
  e.step = "fit";
  e.step_type = "train";
  e.objects = {{"model/m.json", "0123456789abcdef", 20}};
  e.bytes = 20;
  s.add_cache_entry(e);
  CHECK(s.run_uid(first).size() == 36);

  std::optional<CacheEntry> found = s.find_cache_entry("fp1");
  REQUIRE(found);
  CHECK(found->objects.size() == 1);
  CHECK(found->objects[0].hash == "0123456789abcdef");
  int64_t second = s.begin_run(info());
  CHECK(s.run_uid(second) != s.run_uid(first));
  s.add_step(second, "train", "train");  // renamed since: the records still come along
  s.record_reuse(second, "train", *found);
  CHECK(count(s.db(), "SELECT count(*) FROM metrics WHERE run_id = 2 AND step = 'train'") == 2);
  CHECK(count(s.db(), "SELECT count(*) FROM inputs WHERE run_id = 2 AND rows = 3") == 1);
  CHECK(count(s.db(), "SELECT count(*) FROM artifacts WHERE run_id = 2 AND bytes = 20") == 1);
  CHECK(count(s.db(), "SELECT count(*) FROM steps WHERE run_id = 2 AND status = 'reused' AND reused_from_run = 1"
                      " AND duration_s = 0 AND ended_at IS NOT NULL") == 1);

  // No entry: a miss, never a reuse with nothing to copy.
  std::string why;
  CHECK(!s.find_cache_entry("fp-unknown", &why));
  CHECK(why == "no cached outputs in this store");
  // Records lost since the entry was made (here: a metric row deleted by hand): a miss.
  s.db().exec("DELETE FROM metrics WHERE run_id = 1 AND iteration = 1");
  CHECK(!s.find_cache_entry("fp1", &why));
  CHECK(why.find("are incomplete") != std::string::npos);
  // The computing step recorded again as not ok (a resume cleared it): a miss.
  s.db().exec("INSERT INTO metrics(run_id, step, key, split, iteration, value, recorded_at)"
              " VALUES (1, 'fit', 'auc', 'valid', 1, 0.7, 'x')");
  CHECK(s.find_cache_entry("fp1"));
  s.clear_step_records(first, "fit");
  CHECK(!s.find_cache_entry("fp1", &why));
  CHECK(why.find("no longer recorded as ok") != std::string::npos);
}

TEST_CASE("finding runs left 'running' reads an index, not the whole runs table") {
  // Every run start looks for them; the runs table holds every run's config.
  TempDb t;
  RunStore s(t.path);
  Stmt plan = s.db().prepare("EXPLAIN QUERY PLAN SELECT run_id, pid, host FROM runs WHERE status='running'");
  REQUIRE(plan.step());
  CHECK(plan.text(3).find("USING INDEX runs_running") != std::string::npos);
  int64_t done = s.begin_run(info());
  s.finish_run(done, "ok", 0, "", 1);
  RunInfo dead = info();  // a process of this host that no longer exists
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  dead.host = host;
  dead.pid = 999999999;
  int64_t gone = s.begin_run(dead);
  s.begin_run(info());  // alive as far as anyone can tell: fresh heartbeat, no pid
  CHECK(count(s.db(), "SELECT count(*) FROM runs INDEXED BY runs_running WHERE status='running'") == 2);
  CHECK(s.mark_interrupted(1e9) == std::vector<int64_t>{gone});
  CHECK(count(s.db(), "SELECT count(*) FROM runs WHERE status='interrupted'") == 1);
}
