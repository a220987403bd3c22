#include "core/store/schema.h"

#include <string>
#include <vector>

#include "core/store/postgres_schema.h"
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
      // v3: analyst views over the history, the model registry (versions are immutable,
      // aliases move, every registration and promotion is an event), and sweeps' child runs.
      R"sql(
ALTER TABLE runs ADD COLUMN parent_run INTEGER REFERENCES runs(run_id);
CREATE INDEX runs_by_parent ON runs(parent_run);

-- The last recorded value of every metric series of every run: the final value (iteration
-- NULL) or the point of the highest iteration of a curve.
CREATE VIEW latest_metrics AS
  SELECT m.run_id, r.pipeline, m.step, m.split, m.key, m.iteration, m.value, m.recorded_at
  FROM metrics m JOIN runs r USING (run_id)
  WHERE m.rowid = (SELECT m2.rowid FROM metrics m2
                   WHERE m2.run_id = m.run_id AND m2.step = m.step AND m2.key = m.key
                     AND m2.split IS m.split
                   ORDER BY m2.iteration IS NULL DESC, m2.iteration DESC, m2.rowid DESC LIMIT 1);

-- Every point of every per-iteration curve (boosting rounds, epochs, batches).
CREATE VIEW metric_history AS
  SELECT m.run_id, r.pipeline, m.step, m.split, m.key, m.iteration, m.value, m.recorded_at
  FROM metrics m JOIN runs r USING (run_id)
  WHERE m.iteration IS NOT NULL;

-- One row per run. The evaluation metrics are columns, taken from the run's evaluate step
-- (the first by name when there are several); `metrics` holds every final value as JSON,
-- keyed "step.split.key".
CREATE VIEW run_summary AS
  WITH ev AS (
    SELECT run_id, min(step) AS step FROM steps WHERE type = 'evaluate' GROUP BY run_id),
  evm AS (
    SELECT l.run_id, l.split, l.key, l.value FROM latest_metrics l JOIN ev
      ON ev.run_id = l.run_id AND ev.step = l.step)
  SELECT r.run_id, r.pipeline, r.status, r.started_at, r.ended_at, r.duration_s, r.exit_code,
    (SELECT count(*) FROM steps s WHERE s.run_id = r.run_id AND s.status = 'ok') AS steps_ran,
    (SELECT count(*) FROM steps s WHERE s.run_id = r.run_id AND s.status = 'reused') AS steps_reused,
    (SELECT count(*) FROM steps s WHERE s.run_id = r.run_id) AS steps_total,
    r.git_commit, r.git_dirty, r.config_hash, r.seed, r.user, r.host, r.reproduces_run,
    (SELECT step FROM ev WHERE ev.run_id = r.run_id) AS evaluate_step,
    (SELECT split FROM evm WHERE evm.run_id = r.run_id AND key = 'rows') AS evaluated_on,
    (SELECT value FROM evm WHERE evm.run_id = r.run_id AND key = 'auc') AS auc,
    (SELECT value FROM evm WHERE evm.run_id = r.run_id AND key = 'pr_auc') AS pr_auc,
    (SELECT value FROM evm WHERE evm.run_id = r.run_id AND key = 'logloss') AS logloss,
    (SELECT value FROM evm WHERE evm.run_id = r.run_id AND key = 'ks') AS ks,
    (SELECT value FROM evm WHERE evm.run_id = r.run_id AND key = 'brier') AS brier,
    (SELECT value FROM evm WHERE evm.run_id = r.run_id AND key = 'accuracy') AS accuracy,
    (SELECT value FROM evm WHERE evm.run_id = r.run_id AND key = 'f1') AS f1,
    (SELECT value FROM evm WHERE evm.run_id = r.run_id AND key = 'rmse') AS rmse,
    (SELECT value FROM evm WHERE evm.run_id = r.run_id AND key = 'mae') AS mae,
    (SELECT value FROM evm WHERE evm.run_id = r.run_id AND key = 'r2') AS r2,
    (SELECT json_group_object(l.step || '.' || coalesce(l.split || '.', '') || l.key, l.value)
       FROM latest_metrics l WHERE l.run_id = r.run_id) AS metrics,
    r.error
  FROM runs r;

CREATE TABLE models (
  name         TEXT NOT NULL,
  version      INTEGER NOT NULL CHECK (version >= 1),
  run_id       INTEGER NOT NULL REFERENCES runs(run_id),
  step         TEXT NOT NULL,       -- the export step that registered it
  path         TEXT NOT NULL,       -- the registry's own copy of the bundle (absolute)
  content_hash TEXT NOT NULL,       -- of the bundle's files (model, preprocessing): the model's identity
  manifest_hash TEXT NOT NULL,      -- of the copy's manifest.json: a changed copy is refused
  metrics      TEXT NOT NULL,       -- JSON: the evaluation it was exported with
  evaluated_on TEXT,                -- the split those metrics were computed on
  created_at   TEXT NOT NULL,
  created_by   TEXT NOT NULL,
  PRIMARY KEY (name, version)
) STRICT;
CREATE TRIGGER models_are_immutable BEFORE UPDATE ON models
  BEGIN SELECT RAISE(ABORT, 'model versions are immutable; register a new version'); END;

CREATE TABLE model_aliases (
  name    TEXT NOT NULL,
  alias   TEXT NOT NULL,
  version INTEGER NOT NULL,
  set_at  TEXT NOT NULL,
  set_by  TEXT NOT NULL,
  PRIMARY KEY (name, alias),
  FOREIGN KEY (name, version) REFERENCES models(name, version)
) STRICT;

CREATE TABLE model_events (
  event_id         INTEGER PRIMARY KEY,
  name             TEXT NOT NULL,
  version          INTEGER NOT NULL,
  action           TEXT NOT NULL CHECK (action IN ('register', 'promote')),
  alias            TEXT,
  previous_version INTEGER,          -- the version the alias pointed to before
  at               TEXT NOT NULL,
  by               TEXT NOT NULL,
  run_id           INTEGER,          -- the run that registered or promoted it, NULL from the CLI
  metrics          TEXT NOT NULL,    -- JSON: the version's metrics when the event happened
  note             TEXT
) STRICT;
)sql",
      // v4: every run start looks for runs left 'running' by a dead process; without an index
      // that read the whole runs table (configs included): 9 ms at 5,000 runs.
      R"sql(
CREATE INDEX runs_running ON runs(run_id) WHERE status = 'running';
)sql",
      // v5: one store. Runs get a global id (UUIDv7 from mlpipe; runs recorded before get a
      // random UUIDv4 here); their files live under runs/<run_uid>/. A cache entry is a row that
      // names the step that computed it (whose records a reuse copies) and the objects it holds;
      // a registered version is the list of its objects. Objects are files named by content hash.
      R"sql(
ALTER TABLE runs ADD COLUMN run_uid TEXT;
UPDATE runs SET run_uid = lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
  substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + abs(random()) % 4, 1) ||
  substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)));
CREATE UNIQUE INDEX runs_by_uid ON runs(run_uid);

CREATE TABLE cache_entries (
  fingerprint TEXT PRIMARY KEY,
  run_id      INTEGER NOT NULL,   -- the run whose step computed it: reuse copies that step's records
  step        TEXT NOT NULL,
  step_type   TEXT NOT NULL,
  parts       TEXT NOT NULL,      -- JSON: the parts of the flow it holds (frame, model, ...)
  meta        TEXT NOT NULL,      -- JSON: outside files it stands for (an export bundle) {path: hash}
  records     TEXT NOT NULL,      -- JSON: how many metric, input and artifact rows it had
  bytes       INTEGER NOT NULL,   -- of its objects, shared ones counted in full
  created_at  TEXT NOT NULL,
  FOREIGN KEY (run_id, step) REFERENCES steps(run_id, step)
) STRICT;
CREATE INDEX cache_entries_by_step ON cache_entries(step, created_at);

CREATE TABLE cache_objects (
  fingerprint TEXT NOT NULL REFERENCES cache_entries(fingerprint) ON DELETE CASCADE,
  name        TEXT NOT NULL,      -- its name inside the entry, e.g. frame/col_3.npy
  object      TEXT NOT NULL,      -- content hash: objects/ab/cdef...
  bytes       INTEGER NOT NULL,
  PRIMARY KEY (fingerprint, name)
) STRICT;
CREATE INDEX cache_objects_by_object ON cache_objects(object);

CREATE TABLE model_objects (
  name    TEXT NOT NULL,
  version INTEGER NOT NULL,
  file    TEXT NOT NULL,          -- its name in the bundle, e.g. model.json
  object  TEXT NOT NULL,
  bytes   INTEGER NOT NULL,
  PRIMARY KEY (name, version, file),
  FOREIGN KEY (name, version) REFERENCES models(name, version)
) STRICT;
CREATE INDEX model_objects_by_object ON model_objects(object);
CREATE TRIGGER model_objects_are_immutable BEFORE UPDATE ON model_objects
  BEGIN SELECT RAISE(ABORT, 'model versions are immutable; register a new version'); END;
CREATE TRIGGER model_objects_are_kept BEFORE DELETE ON model_objects
  BEGIN SELECT RAISE(ABORT, 'model versions are immutable; register a new version'); END;
CREATE TRIGGER models_are_kept BEFORE DELETE ON models
  BEGIN SELECT RAISE(ABORT, 'model versions are immutable; register a new version'); END;
)sql",
      // v6: names, tags and notes, and started_at in epoch seconds. A run's name is given when it starts (run --name); tags are
      // an event log (setting or removing one adds an event: nothing recorded is replaced) and
      // run_tags shows the current ones; notes are appended, never edited.
      R"sql(
ALTER TABLE runs ADD COLUMN name TEXT;
CREATE INDEX runs_by_name ON runs(name) WHERE name IS NOT NULL;
-- started_at as epoch seconds, for arithmetic: WHERE started_epoch >= unixepoch('now', '-7 days')
-- (text comparison of the ISO text against datetime('now') is wrong: 'T' sorts after ' ').
ALTER TABLE runs ADD COLUMN started_epoch REAL GENERATED ALWAYS AS ((julianday(started_at) - 2440587.5) * 86400.0) VIRTUAL;
CREATE TABLE run_tag_events (
  event_id INTEGER PRIMARY KEY,
  run_id   INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  key      TEXT NOT NULL,
  value    TEXT,                  -- NULL: the tag was removed
  at       TEXT NOT NULL,
  by       TEXT NOT NULL
) STRICT;
CREATE INDEX run_tag_events_by_run ON run_tag_events(run_id, key);
CREATE TRIGGER run_tag_events_are_kept BEFORE UPDATE ON run_tag_events
  BEGIN SELECT RAISE(ABORT, 'tag events are history; set the tag again'); END;
CREATE VIEW run_tags AS
  SELECT e.run_id, e.key, e.value, e.at, e.by FROM run_tag_events e
  WHERE e.event_id = (SELECT max(event_id) FROM run_tag_events x WHERE x.run_id = e.run_id AND x.key = e.key)
    AND e.value IS NOT NULL;
CREATE TABLE run_notes (
  note_id INTEGER PRIMARY KEY,
  run_id  INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  at      TEXT NOT NULL,
  by      TEXT NOT NULL,
  note    TEXT NOT NULL
) STRICT;
CREATE TRIGGER run_notes_are_kept BEFORE UPDATE ON run_notes
  BEGIN SELECT RAISE(ABORT, 'notes are history; add another note'); END;
-- mlpipe runs delete leaves this much of a run: that it existed, and who deleted it when.
CREATE TABLE run_deletions (
  run_id     INTEGER PRIMARY KEY,
  run_uid    TEXT,
  pipeline   TEXT NOT NULL,
  started_at TEXT NOT NULL,
  status     TEXT NOT NULL,
  deleted_at TEXT NOT NULL,
  by         TEXT NOT NULL
) STRICT;
CREATE TRIGGER run_deletions_are_kept BEFORE DELETE ON run_deletions
  BEGIN SELECT RAISE(ABORT, 'the record of a deleted run is kept'); END;
-- latest_metrics with a window function: the correlated subquery before it was quadratic in a
-- series' length (2 min 43 s for one run of 20,000 rounds, now 0.06 s); WHERE run_id = ? is
-- still pushed down to the metrics_by_run index.
DROP VIEW latest_metrics;
CREATE VIEW latest_metrics AS
  SELECT l.run_id, r.pipeline, l.step, l.split, l.key, l.iteration, l.value, l.recorded_at
  FROM (SELECT run_id, step, split, key, iteration, value, recorded_at,
               row_number() OVER (PARTITION BY run_id, step, key, split
                                  ORDER BY iteration IS NULL DESC, iteration DESC, rowid DESC) AS n
        FROM metrics) l JOIN runs r USING (run_id)
  WHERE l.n = 1;
)sql",
      // v7: audit hashes of model bundles. Every export records its manifest's SHA-256, and a
      // registered version keeps its own: `predict NAME@ALIAS` and `predict DIR --verify` refuse a
      // manifest this store never recorded (the manifest lists each file's SHA-256, so an edited
      // model with its hash updated in the manifest no longer passes).
      R"sql(
ALTER TABLE models ADD COLUMN manifest_sha256 TEXT;  -- NULL: registered before mlpipe recorded it
CREATE TABLE bundle_manifests (
  sha256      TEXT NOT NULL,       -- of the bundle's manifest.json
  run_id      INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  step        TEXT NOT NULL,       -- the export step that wrote it
  path        TEXT NOT NULL,       -- where it wrote it
  recorded_at TEXT NOT NULL,
  PRIMARY KEY (sha256, run_id, step)
) STRICT;
CREATE TRIGGER bundle_manifests_are_kept BEFORE UPDATE ON bundle_manifests
  BEGIN SELECT RAISE(ABORT, 'recorded bundle hashes are history'); END;
)sql",
      // v8: a sample of what `mlpipe serve --sample RATE` answered, for drift monitoring on live
      // traffic (`mlpipe models samples NAME` writes the rows back as a CSV file) and for
      // analysts. Append only: a sample is a record of what a model said.
      R"sql(
CREATE TABLE serve_samples (
  sample_id        INTEGER PRIMARY KEY,
  model            TEXT NOT NULL,      -- the served name (a bundle folder's pipeline name)
  version          INTEGER NOT NULL,   -- 0: a bundle folder, not a registered version
  manifest_sha256  TEXT NOT NULL,      -- of the bundle that scored it
  route            TEXT NOT NULL,      -- /v1/score or /v1/events
  at               TEXT NOT NULL,      -- when it was answered (UTC)
  row_json         TEXT NOT NULL,      -- JSON: the row (or event) as the request sent it
  score            REAL,               -- the score (NULL: a multi-class model, or no window)
  result_json      TEXT NOT NULL       -- JSON: the whole result (class, scores, reasons)
) STRICT;
CREATE INDEX serve_samples_by_model ON serve_samples(model, version, at);
CREATE TRIGGER serve_samples_are_kept BEFORE UPDATE ON serve_samples
  BEGIN SELECT RAISE(ABORT, 'serve samples are history'); END;
CREATE TRIGGER serve_samples_stay BEFORE DELETE ON serve_samples
  BEGIN SELECT RAISE(ABORT, 'serve samples are history'); END;
)sql",
  };
  return m;
}

}  // namespace

int latest_schema_version() { return int(migrations().size()); }

void migrate(Db& db) {
  if (db.kind() == DbKind::postgres) return migrate_postgres(db);
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
