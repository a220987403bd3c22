// The run store's contract, checked on each backend: SQLite always, PostgreSQL when
// $MLPIPE_TEST_POSTGRES names a server (tests/pg/run_unit_tests.sh starts one; each case gets a
// database of its own there).
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <thread>
#include <vector>

#include "core/store/postgres_schema.h"
#include "core/store/query.h"
#include "core/store/run_deletion.h"
#include "core/store/run_store.h"
#include "tests/unit/store/store_fixtures.h"
#include "core/store/schema.h"
#include "core/util/error.h"

using namespace mlpipe;
using mlpipe::testing::count;
namespace fs = std::filesystem;

namespace {

// A fresh, empty store on one backend; removed afterwards.
struct Backend {
  std::string name;
  DbLocation where;
  fs::path dir;
  std::string server, database;

  ~Backend() {
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (!database.empty()) {
      try {
        Db admin = Db::open(DbLocation::postgres(server, server, dir), false);
        admin.exec("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
      } catch (...) {
      }
    }
  }
};

std::vector<std::unique_ptr<Backend>> backends() {
  static std::atomic<int> serial{0};
  std::string tag = std::to_string(::getpid()) + "_" + std::to_string(serial++);
  std::vector<std::unique_ptr<Backend>> out;
  auto sqlite = std::make_unique<Backend>();
  sqlite->name = "sqlite";
  sqlite->dir = fs::temp_directory_path() / ("mlpipe-backends-" + tag);
  fs::remove_all(sqlite->dir);
  fs::create_directories(sqlite->dir);
  sqlite->where = DbLocation(sqlite->dir / "store.db");
  out.push_back(std::move(sqlite));
  if (const char* url = std::getenv("MLPIPE_TEST_POSTGRES"); url && *url) {
    auto pg = std::make_unique<Backend>();
    pg->name = "postgresql";
    pg->dir = fs::temp_directory_path() / ("mlpipe-backends-pg-" + tag);
    fs::create_directories(pg->dir);
    pg->server = url;
    pg->database = "t_" + tag;
    {
      Db admin = Db::open(DbLocation::postgres(url, url, pg->dir), false);
      admin.exec("CREATE DATABASE " + pg->database);
    }
    std::string base = url;
    base = base.substr(0, base.rfind('/') + 1) + pg->database;
    pg->where = DbLocation::postgres(base, base, pg->dir);
    out.push_back(std::move(pg));
  }
  return out;
}

RunInfo info() {
  RunInfo r = testing::run_info();
  r.user = "analyst";
  return r;
}

uint64_t bits(double v) {
  uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

}  // namespace

TEST_CASE("store backends: metric values, keys and runs come back exactly as written") {
  for (auto& b : backends()) {
    CAPTURE(b->name);
    RunStore s(b->where);
    int64_t run = s.begin_run(info());
    s.add_step(run, "train", "train");
    // (-0.0 is left out: SQLite stores an integral REAL as an integer and reads back 0.0.)
    const std::vector<double> values = {0.1, 1.0 / 3, 1e-300, 5e-324, 123456789.123456789,
                                        std::numeric_limits<double>::max(), std::numeric_limits<double>::infinity(),
                                        -std::numeric_limits<double>::infinity()};
    std::vector<MetricPoint> pts;
    for (size_t i = 0; i < values.size(); ++i) pts.push_back({"v", "valid", int64_t(i), values[i]});
    pts.push_back({"tab\there, new\nline, back\\slash, é", "", std::nullopt, 2.5});
    pts.push_back({"nan", "valid", std::nullopt, std::nan("")});
    s.add_metrics(run, "train", pts);
    Stmt q = s.db().prepare("SELECT iteration, value FROM metrics WHERE run_id = ? AND key = 'v' ORDER BY iteration");
    q.bind(1, run);
    size_t n = 0;
    while (q.step()) {
      REQUIRE(n < values.size());
      CHECK(q.int64(0) == int64_t(n));
      CHECK(q.type(1) == kSqlFloat);
      CHECK(bits(q.real(1)) == bits(values[n]));
      ++n;
    }
    CHECK(n == values.size());
    Stmt k = s.db().prepare("SELECT key, split IS NULL, iteration IS NULL, value FROM metrics WHERE value = 2.5");
    REQUIRE(k.step());
    CHECK(k.text(0) == "tab\there, new\nline, back\\slash, é");
    CHECK(k.int64(1) == 1);
    CHECK(k.int64(2) == 1);
    CHECK(count(s.db(), "SELECT count(*) FROM metrics WHERE key = 'nan' AND value IS NULL") == 1);  // as SQLite stores NaN
    // The reserved column user, GLOB and IS between values mean the same on both.
    Stmt u = s.db().prepare("SELECT user FROM runs WHERE run_id = ? AND pipeline GLOB 'p*' AND reproduces_run IS ?");
    u.bind(1, run).bind_null(2);
    REQUIRE(u.step());
    CHECK(u.text(0) == "analyst");
    CHECK_THROWS_WITH_AS(s.add_metrics(run + 1, "train", pts), "run store: no run 2 to record metrics for", StepError);
    // Parameters: many in one call (more than one statement's worth there), a repeated key's last value wins.
    KeyValues kv;
    for (int i = 0; i < 250; ++i) kv.emplace_back("params.k" + std::to_string(i), std::to_string(i));
    kv.emplace_back("params.k7", "\"last\"");
    s.add_params(run, "train", kv);
    CHECK(count(s.db(), "SELECT count(*) FROM params WHERE step = 'train'") == 250);
    Stmt k7 = s.db().prepare("SELECT value FROM params WHERE step = 'train' AND key = 'params.k7'");
    REQUIRE(k7.step());
    CHECK(k7.text(0) == "\"last\"");
    s.finish_run(run, "ok", 0, "", 1.25);
    CHECK(count(s.db(), "SELECT count(*) FROM runs WHERE status = 'ok' AND duration_s = 1.25") == 1);
    CHECK_THROWS_AS(s.step_finished(run, "train", "bogus", "", 0), StepError);  // the CHECK constraint
  }
}

TEST_CASE("store backends: a transaction inside another is a savepoint") {
  for (auto& b : backends()) {
    CAPTURE(b->name);
    RunStore s(b->where);
    Db& db = s.db();
    db.exec("CREATE TABLE t(x BIGINT)");
    {
      Transaction outer(db);
      db.exec("INSERT INTO t VALUES (1)");
      {
        Transaction failed(db);
        db.exec("INSERT INTO t VALUES (2)");
      }
      {
        Transaction inner(db);
        db.exec("INSERT INTO t VALUES (3)");
        inner.commit();
      }
      outer.commit();
    }
    CHECK(count(db, "SELECT sum(x) FROM t") == 4);
    CHECK_FALSE(db.in_transaction());
  }
}

TEST_CASE("store backends: connections opening a new store at once migrate it once; newer is refused") {
  for (auto& b : backends()) {
    CAPTURE(b->name);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 6; ++i)
      threads.emplace_back([&] {
        try {
          RunStore s(b->where);
        } catch (const std::exception& e) {
          MESSAGE(e.what());
          ++failures;
        }
      });
    for (auto& t : threads) t.join();
    CHECK(failures == 0);
    RunStore s(b->where);
    int latest = b->where.is_postgres() ? latest_postgres_schema_version() : latest_schema_version();
    CHECK(count(s.db(), "SELECT count(*) FROM schema_migrations") == latest);
    s.db().exec("INSERT INTO schema_migrations(version, applied_at) VALUES (999, 'later')");
    CHECK_THROWS_AS(RunStore{b->where}, ConfigError);
  }
}

TEST_CASE("store backends: a reused step gets the computing step's records, and deleting nothing half") {
  for (auto& b : backends()) {
    CAPTURE(b->name);
    RunStore s(b->where);
    int64_t first = s.begin_run(info());
    s.add_step(first, "train", "train");
    s.add_metrics(first, "train", {{"auc", "valid", 1, 0.5}, {"auc", "valid", 2, 0.7}});
    s.add_input(first, "train", "data.csv", "abc", 10, 3, 2);
    s.add_artifact(first, "train", "model.json", "runs/x/model.json", "def", 20);
    s.add_artifact(first, "train", "model.json", "runs/x/model.json", "fed", 21);  // written again: replaced
    s.step_finished(first, "train", "ok", "", 1);
    CacheEntry e;
    e.fingerprint = "fp";
    e.step = "train";
    e.step_type = "train";
    e.run_id = first;
    s.add_cache_entry(e);
    int64_t second = s.begin_run(info());
    s.add_step(second, "train", "train");
    s.record_reuse(second, "train", e);
    CHECK(count(s.db(), "SELECT count(*) FROM metrics WHERE run_id = " + std::to_string(second)) == 2);
    CHECK(count(s.db(), "SELECT count(*) FROM artifacts WHERE content_hash = 'fed' AND bytes = 21") == 2);
    CHECK(count(s.db(), "SELECT count(*) FROM steps WHERE status = 'reused' AND reused_from_run = " + std::to_string(first)) == 1);
  }
}

TEST_CASE("store backends: deleting a run removes every record of it, and what depends on it refuses") {
  for (auto& b : backends()) {
    CAPTURE(b->name);
    RunStore s(b->where);
    int64_t run = s.begin_run(info());
    s.add_step(run, "train", "train");
    s.add_metrics(run, "train", {{"auc", "valid", 1, 0.5}, {"auc", "valid", 2, 0.7}});
    s.add_params(run, "train", {{"params.eta", "0.1"}});
    s.tag_run(run, "team", std::string("risk"), "me");
    s.step_finished(run, "train", "ok", "", 1);
    s.finish_run(run, "ok", 0, "", 1);
    int64_t keep = s.begin_run(info());
    s.finish_run(keep, "ok", 0, "", 1);
    StoreLayout layout = StoreLayout::of(b->where);
    delete_runs(s, layout, plan_run_deletion(s.db(), {run}), "me");
    for (const char* table : {"runs", "steps", "metrics", "params", "run_tag_events"})
      CHECK(count(s.db(), std::string("SELECT count(*) FROM ") + table + " WHERE run_id = " + std::to_string(run)) == 0);
    CHECK(count(s.db(), "SELECT count(*) FROM run_deletions WHERE run_id = " + std::to_string(run)) == 1);
    CHECK(count(s.db(), "SELECT count(*) FROM runs WHERE run_id = " + std::to_string(keep)) == 1);
  }
}

TEST_CASE("store backends: queries are read-only, one statement at a time") {
  for (auto& b : backends()) {
    CAPTURE(b->name);
    { RunStore s(b->where); s.begin_run(info()); }
    for (const char* sql : {"DELETE FROM runs", "INSERT INTO runs(run_id) VALUES (9)", "UPDATE runs SET status = 'ok'",
                            "CREATE TABLE t(x BIGINT)", "DROP TABLE runs"}) {
      CAPTURE(sql);
      CHECK_THROWS_AS(query_database(b->where, sql), ConfigError);
    }
    CHECK_THROWS_WITH_AS(query_database(b->where, "SELECT 1; DROP TABLE runs"),
                         "query: one statement at a time, please (found more after the first ';')", ConfigError);
    QueryResult r = query_database(b->where, "SELECT count(*) AS n, max(pipeline) AS p FROM runs");
    REQUIRE(r.rows.size() == 1);
    CHECK(r.columns == std::vector<std::string>{"n", "p"});
    CHECK(r.rows[0][0] == 1);
    CHECK(r.rows[0][1] == "p");
  }
}
