// Bench 5: metric points per second into the run store (its real schema and indexes, through
// RunStore::add_metrics: one prepared statement and one transaction per batch, WAL), against a
// naive writer: SQLite's defaults (rollback journal, synchronous=FULL), one INSERT and one
// commit per point, SQL text built per point, as a hand-rolled tracker does.
// Prints one JSON line. Usage: mlpipe_metric_bench DIR [POINTS] [BATCH (default: the steps' batch)]
// [NAIVE_POINTS (default 2000; 0 skips the baseline, e.g. to profile mlpipe's side alone)]
// With a postgresql:// address instead of DIR: the same into a PostgreSQL store (COPY per batch),
// against one autocommitted INSERT per point over libpq (bench/postgres.sh starts a server).
#include <libpq-fe.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/store/run_store.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

static double seconds(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [POINTS] [BATCH] [NAIVE_POINTS]\n", argv[0]);
    return 2;
  }
  std::string target = argv[1];
  bool postgres = target.rfind("postgresql://", 0) == 0;
  fs::path dir = postgres ? fs::path() : fs::path(target);
  long points = argc > 2 ? std::atol(argv[2]) : 1000000;
  long batch = argc > 3 ? std::atol(argv[3]) : long(mlpipe::kMetricBatch);  // what steps use
  if (!postgres) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }

  // mlpipe: like a trainer recording per iteration, flushed in batches.
  mlpipe::RunStore store(postgres ? mlpipe::DbLocation::postgres(target, target, "/tmp")
                                  : mlpipe::DbLocation(dir / "runs.db"));
  mlpipe::RunInfo info;
  info.pipeline = "bench";
  info.pipeline_file = "bench.yaml";
  info.config_yaml = info.config_json = "{}";
  info.config_hash = "0";
  info.overrides_json = "[]";
  info.mlpipe_version = "bench";
  int64_t run = store.begin_run(info);
  store.add_step(run, "train", "train");
  std::vector<mlpipe::MetricPoint> buf;
  buf.reserve(size_t(batch));
  auto t0 = Clock::now();
  for (long i = 0; i < points; ++i) {
    buf.push_back({i % 2 ? "auc" : "logloss", i % 4 < 2 ? "train" : "valid", i / 4, 0.5 + 1e-7 * double(i)});
    if (long(buf.size()) == batch) {
      store.add_metrics(run, "train", buf);
      buf.clear();
    }
  }
  store.add_metrics(run, "train", buf);
  double ours = double(points) / seconds(t0);

  // Naive: default settings, a commit per point.
  long naive_points = std::min(points, argc > 4 ? std::atol(argv[4]) : 2000L);
  if (postgres) {
    PGconn* conn = PQconnectdb(target.c_str());
    PQclear(PQexec(conn,
                   "DROP TABLE IF EXISTS naive_metrics; CREATE TABLE naive_metrics (run_id BIGINT, step TEXT, key TEXT,"
                   " split TEXT, iteration BIGINT, value DOUBLE PRECISION, recorded_at TEXT);"
                   "CREATE INDEX ON naive_metrics(run_id, step, key, split, iteration)"));
    t0 = Clock::now();
    for (long i = 0; i < naive_points; ++i) {
      std::string sql = "INSERT INTO naive_metrics VALUES (1, 'train', '" + std::string(i % 2 ? "auc" : "logloss") +
                        "', '" + (i % 4 < 2 ? "train" : "valid") + "', " + std::to_string(i / 4) + ", " +
                        std::to_string(0.5 + 1e-7 * double(i)) + ", now()::text)";
      PQclear(PQexec(conn, sql.c_str()));
    }
    double naive = naive_points ? double(naive_points) / seconds(t0) : 0;
    PQfinish(conn);
    std::printf("{\"backend\": \"postgresql\", \"points\": %ld, \"batch\": %ld, \"mlpipe_points_per_s\": %.0f, "
                "\"naive_points\": %ld, \"naive_points_per_s\": %.0f, \"ratio\": %.1f}\n",
                points, batch, ours, naive_points, naive, naive > 0 ? ours / naive : 0.0);
    return 0;
  }
  sqlite3* db = nullptr;
  sqlite3_open((dir / "naive.db").c_str(), &db);
  sqlite3_exec(db,
               "CREATE TABLE metrics (run_id INTEGER, step TEXT, key TEXT, split TEXT, iteration INTEGER,"
               " value REAL, recorded_at TEXT);"
               "CREATE INDEX metrics_by_run ON metrics(run_id, step, key, split, iteration);",
               nullptr, nullptr, nullptr);
  t0 = Clock::now();
  for (long i = 0; i < naive_points; ++i) {
    std::string sql = "INSERT INTO metrics VALUES (1, 'train', '" + std::string(i % 2 ? "auc" : "logloss") + "', '" +
                      (i % 4 < 2 ? "train" : "valid") + "', " + std::to_string(i / 4) + ", " +
                      std::to_string(0.5 + 1e-7 * double(i)) + ", strftime('%Y-%m-%dT%H:%M:%fZ','now'))";
    sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  }
  double naive = naive_points ? double(naive_points) / seconds(t0) : 0;
  sqlite3_close(db);

  std::printf("{\"points\": %ld, \"batch\": %ld, \"mlpipe_points_per_s\": %.0f, \"naive_points\": %ld, "
              "\"naive_points_per_s\": %.0f, \"ratio\": %.1f}\n",
              points, batch, ours, naive_points, naive, naive > 0 ? ours / naive : 0.0);
  return 0;
}
