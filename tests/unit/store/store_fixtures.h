#pragma once
// What the store's unit tests share: one number from a query, and a run's minimal facts.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "core/store/database.h"
#include "core/store/run_store.h"

namespace mlpipe::testing {

inline int64_t count(Db& db, const std::string& sql) {
  Stmt s = db.prepare(sql);
  REQUIRE(s.step());
  return s.int64(0);
}

inline RunInfo run_info() {
  RunInfo r;
  r.pipeline = "p";
  r.pipeline_file = "p.yaml";
  r.config_yaml = "pipeline: p";
  r.config_json = "{}";
  r.config_hash = "h";
  r.overrides_json = "[]";
  r.mlpipe_version = "test";
  return r;
}

}  // namespace mlpipe::testing
