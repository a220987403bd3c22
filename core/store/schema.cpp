#include "core/store/schema.h"

#include <string>
#include <vector>

#include "core/util/error.h"

namespace mlpipe {
namespace {

// Append only: a released migration is never edited, the next change is a new entry.
const std::vector<const char*>& migrations() {
  static const std::vector<const char*> m = {
      // v1: runs, steps, params, metrics, inputs, artifacts, environment.
      R"sql(
CREATE TABLE runs (
  run_id         INTEGER PRIMARY KEY,
  pipeline       TEXT NOT NULL,
  pipeline_file  TEXT NOT NULL,
  status         TEXT NOT NULL
                 CHECK (status IN ('running','ok','failed','gate_failed','interrupted')),
  started_at     TEXT NOT NULL,
  ended_at       TEXT,
  duration_s     REAL,
  config_yaml    TEXT NOT NULL,
  config_json    TEXT NOT NULL,
  config_hash    TEXT NOT NULL,
  overrides      TEXT NOT NULL DEFAULT '[]',
  seed           INTEGER NOT NULL,
  git_commit     TEXT,
  git_dirty      INTEGER,
  host           TEXT,
  user           TEXT,
  mlpipe_version TEXT NOT NULL,
  pid            INTEGER,
  heartbeat_at   TEXT,
  workdir        TEXT,
  exit_code      INTEGER,
  error          TEXT
) STRICT;
CREATE INDEX runs_by_pipeline ON runs(pipeline, started_at);

CREATE TABLE steps (
  run_id          INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  step            TEXT NOT NULL,
  type            TEXT NOT NULL,
  status          TEXT NOT NULL
                  CHECK (status IN ('pending','running','ok','failed','skipped','gate_failed','reused')),
  fingerprint     TEXT,
  reused_from_run INTEGER REFERENCES runs(run_id),
  started_at      TEXT,
  ended_at        TEXT,
  duration_s      REAL,
  error           TEXT,
  PRIMARY KEY (run_id, step)
) STRICT;

CREATE TABLE params (
  run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  step   TEXT NOT NULL,            -- '' for pipeline-level values (seed, params)
  key    TEXT NOT NULL,            -- dotted path inside the step, e.g. params.max_depth
  value  TEXT NOT NULL,            -- JSON text of the resolved value
  PRIMARY KEY (run_id, step, key)
) STRICT;

CREATE TABLE metrics (
  run_id      INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  step        TEXT NOT NULL,
  key         TEXT NOT NULL,
  split       TEXT,                -- train / valid / test ...
  iteration   INTEGER,             -- boosting round or epoch; NULL for a final value
  value       REAL,
  recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX metrics_by_run ON metrics(run_id, step, key, split, iteration);

CREATE TABLE inputs (
  run_id       INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  step         TEXT NOT NULL,
  path         TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  bytes        INTEGER NOT NULL,
  rows         INTEGER,
  cols         INTEGER,
  PRIMARY KEY (run_id, step, path)
) STRICT;

CREATE TABLE artifacts (
  run_id       INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  step         TEXT NOT NULL,
  name         TEXT NOT NULL,
  path         TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  bytes        INTEGER NOT NULL,
  PRIMARY KEY (run_id, step, name)
) STRICT;

CREATE TABLE environment (
  run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  key    TEXT NOT NULL,
  value  TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
) STRICT;
)sql",
      // v2: step cache and liveness. Steps gain 'interrupted' and the fingerprint's components
      // (for --explain); file_hashes is the stat cache for content hashes; runs remember what
      // they reproduce.
      R"sql(
CREATE TABLE steps_v2 (
  run_id             INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  step               TEXT NOT NULL,
  type               TEXT NOT NULL,
  status             TEXT NOT NULL
                     CHECK (status IN ('pending','running','ok','failed','skipped','gate_failed',
                                       'reused','interrupted')),
  fingerprint        TEXT,
  fingerprint_inputs TEXT,          -- JSON: what the fingerprint hashes, to explain changes
  reused_from_run    INTEGER REFERENCES runs(run_id),
  started_at         TEXT,
  ended_at           TEXT,
  duration_s         REAL,
  error              TEXT,
  PRIMARY KEY (run_id, step)
) STRICT;
INSERT INTO steps_v2 (run_id, step, type, status, fingerprint, reused_from_run, started_at,
                      ended_at, duration_s, error)
  SELECT run_id, step, type, status, fingerprint, reused_from_run, started_at, ended_at,
         duration_s, error FROM steps;
DROP TABLE steps;
ALTER TABLE steps_v2 RENAME TO steps;
CREATE INDEX steps_by_fingerprint ON steps(fingerprint, status);

CREATE TABLE file_hashes (
  path         TEXT PRIMARY KEY,    -- absolute
  bytes        INTEGER NOT NULL,
  mtime_ns     INTEGER NOT NULL,
  ctime_ns     INTEGER NOT NULL,    -- changes on every write, and cannot be set back by tools
  inode        INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  checked_at   TEXT NOT NULL
) STRICT;

ALTER TABLE runs ADD COLUMN reproduces_run INTEGER REFERENCES runs(run_id);
)sql",
  };
  return m;
}

}  // namespace

int latest_schema_version() { return int(migrations().size()); }

void migrate(Db& db) {
  Transaction tx(db, /*immediate=*/true);
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT");
  int current = 0;
  {
    Stmt s = db.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
    if (s.step()) current = int(s.int64(0));
  }
  if (current > latest_schema_version())
    throw ConfigError(db.path().string() + ": the run database has schema version " +
                      std::to_string(current) + ", newer than this mlpipe understands (" +
                      std::to_string(latest_schema_version()) + "); upgrade mlpipe");
  for (int v = current + 1; v <= latest_schema_version(); ++v) {
    db.exec(migrations()[v - 1]);
    db.prepare("INSERT INTO schema_migrations(version, applied_at) VALUES (?, "
               "strftime('%Y-%m-%dT%H:%M:%fZ','now'))")
        .bind(1, v)
        .run();
  }
  tx.commit();
}

}  // namespace mlpipe
