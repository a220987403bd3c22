#include <doctest/doctest.h>

#include "core/serve/sample_export.h"
#include "core/serve/sample_recorder.h"
#include "core/store/run_store.h"
#include "core/util/error.h"
#include "tests/unit/temp_dir.h"

using nlohmann::json;
using nlohmann::ordered_json;
using namespace mlpipe;

namespace {
int64_t rows_in(const std::filesystem::path& db) {
  Db d = Db::open(db, true);
  Stmt s = d.prepare("SELECT count(*) FROM serve_samples");
  s.step();
  return s.int64(0);
}
const SampleSource kFrom{"credit", 3, "abc"};
json row(int i) { return {{"id", i}, {"region", i % 2 ? "west, coast" : "east"}, {"income", i * 0.1}, {"debt", nullptr}}; }
ordered_json result(int i) { return {{"id", std::to_string(i)}, {"score", i / 100.0}}; }
}  // namespace

TEST_CASE("serve samples: every row at rate 1, none at 0, written at flush and at the end") {
  TempDir dir;
  std::filesystem::path db = dir.path / "store.db";
  { RunStore make(db); }
  {
    SampleRecorder all(db, 1.0, 0, /*flush_every=*/3600);
    for (int i = 0; i < 10; ++i) all.offer(kFrom, "/v1/score", row(i), result(i));
    CHECK(rows_in(db) == 0);  // behind the requests
    all.flush();
    CHECK(rows_in(db) == 10);
    CHECK(all.recorded() == 10);
    all.offer(kFrom, "/v1/events", row(10), result(10));
  }
  CHECK(rows_in(db) == 11);  // the last ones at shutdown
  {
    SampleRecorder none(db, 0.0, 0);
    none.offer(kFrom, "/v1/score", row(1), result(1));
  }
  CHECK(rows_in(db) == 11);
  CHECK_THROWS_AS(SampleRecorder(db, 1.5, 0), ConfigError);
  CHECK_THROWS_AS(SampleRecorder(db, -0.1, 0), ConfigError);

  // Back as CSV, in the model's column order, "west, coast" quoted, null empty.
  Db d = Db::open(db, true);
  SampleQuery q;
  q.model = "credit";
  q.column_order = {"id", "region", "income", "debt"};
  SampleCsv csv = samples_csv(d, q);
  CHECK(csv.rows == 11);
  CHECK(csv.text.rfind("id,region,income,debt\n0,east,0.0,\n1,\"west, coast\",0.1,\n", 0) == 0);
  q.limit = 2;
  q.with_results = true;
  csv = samples_csv(d, q);
  CHECK(csv.rows == 2);
  CHECK(csv.text.find("\n9,\"west, coast\",0.9,,") != std::string::npos);
  CHECK(csv.text.find(",3,0.1\n") != std::string::npos);  // version 3, score 10/100
  q.model = "credt";
  CHECK_THROWS_WITH_AS(samples_csv(d, q), doctest::Contains("the store has samples of: credit"), ConfigError);
}

TEST_CASE("serve samples: a seeded draw takes the same rows; a full queue drops, a failing store counts") {
  TempDir dir;
  std::filesystem::path db = dir.path / "store.db";
  { RunStore make(db); }
  auto taken = [&db](uint64_t seed) {
    SampleRecorder r(db, 0.3, seed, 3600);
    for (int i = 0; i < 200; ++i) r.offer(kFrom, "/v1/score", row(i), result(i));
    r.flush();
    return r.recorded();
  };
  uint64_t a = taken(7), b = taken(7), c = taken(8);
  CHECK(a == b);
  CHECK(a > 30);
  CHECK(a < 90);
  CHECK(rows_in(db) == int64_t(a + b + c));
  {
    Db d = Db::open(db, true);
    // The same seed took the same ids: the first a rows and the next a rows hold the same rows.
    Stmt s = d.prepare("SELECT count(*) FROM (SELECT row_json FROM serve_samples WHERE sample_id <= ? "
                       "EXCEPT SELECT row_json FROM serve_samples WHERE sample_id > ? AND sample_id <= ?)");
    s.bind(1, int64_t(a)).bind(2, int64_t(a)).bind(3, int64_t(2 * a));
    s.step();
    CHECK(s.int64(0) == 0);
  }
  {
    SampleRecorder small(db, 1.0, 0, 3600, /*max_queued=*/3);
    for (int i = 0; i < 5; ++i) small.offer(kFrom, "/v1/score", row(i), result(i));
    CHECK(small.dropped() == 2);
    small.flush();
    CHECK(small.recorded() == 3);
  }
  {
    SampleRecorder failing(db, 1.0, 0, 3600);
    {
      Db d = Db::open(db, false);
      d.exec("DROP TRIGGER serve_samples_are_kept");
      d.exec("ALTER TABLE serve_samples RENAME TO gone");
    }
    failing.offer(kFrom, "/v1/score", row(1), result(1));
    failing.flush();  // logged, counted, not thrown
    CHECK(failing.failed() == 1);
    CHECK(failing.recorded() == 0);
  }
}

TEST_CASE("serve samples are append only") {
  TempDir dir;
  std::filesystem::path db = dir.path / "store.db";
  { RunStore make(db); }
  {
    SampleRecorder r(db, 1.0, 0);
    r.offer(kFrom, "/v1/score", row(1), result(1));
  }
  Db d = Db::open(db, false);
  CHECK_THROWS_WITH(d.exec("UPDATE serve_samples SET score = 0"), doctest::Contains("serve samples are history"));
  CHECK_THROWS_WITH(d.exec("DELETE FROM serve_samples"), doctest::Contains("serve samples are history"));
  CHECK(rows_in(db) == 1);
}
