#include <doctest/doctest.h>

#include "core/store/postgres_dialect.h"

using mlpipe::to_postgres_sql;

TEST_CASE("postgres dialect: parameters are numbered, literals and comments untouched") {
  CHECK(to_postgres_sql("SELECT a FROM t WHERE b = ? AND c = ?") == "SELECT a FROM t WHERE b = $1 AND c = $2");
  CHECK(to_postgres_sql("SELECT ?1, ?4 FROM t WHERE x = ?2 OR y = ?2") == "SELECT $1, $4 FROM t WHERE x = $2 OR y = $2");
  CHECK(to_postgres_sql("SELECT 'a ? b', \"user\" FROM t -- is ? user\nWHERE z = ?") ==
        "SELECT 'a ? b', \"user\" FROM t -- is ? user\nWHERE z = $1");
  CHECK(to_postgres_sql("SELECT 'it''s ?' || ?") == "SELECT 'it''s ?' || $1");
}

TEST_CASE("postgres dialect: the reserved column user, GLOB, IS between values") {
  CHECK(to_postgres_sql("SELECT host, user FROM runs r WHERE r.user = ?") ==
        "SELECT host, \"user\" FROM runs r WHERE r.\"user\" = $1");
  CHECK(to_postgres_sql("SELECT users FROM t") == "SELECT users FROM t");  // whole words only
  CHECK(to_postgres_sql("WHERE key GLOB 'gate.*' AND name NOT GLOB ?3") ==
        "WHERE key ~ mlpipe_glob('gate.*') AND name !~ mlpipe_glob($3)");
  CHECK(to_postgres_sql("WHERE split IS ? AND x IS NOT ? AND y IS NULL AND z IS NOT NULL") ==
        "WHERE split IS NOT DISTINCT FROM $1 AND x IS DISTINCT FROM $2 AND y IS NULL AND z IS NOT NULL");
  CHECK(to_postgres_sql("ORDER BY iteration IS NULL DESC") == "ORDER BY iteration IS NULL DESC");
  CHECK(to_postgres_sql("SELECT group_concat(a, ' ') FROM t") == "SELECT string_agg(a, ' ') FROM t");
  CHECK(to_postgres_sql("FROM steps s CROSS JOIN runs r USING (run_id)") == "FROM steps s JOIN runs r USING (run_id)");
}

TEST_CASE("postgres dialect: subqueries in FROM get a name when they have none") {
  CHECK(to_postgres_sql("SELECT count(*) FROM (SELECT a FROM t) WHERE a > 1") ==
        "SELECT count(*) FROM (SELECT a FROM t) AS _subquery1 WHERE a > 1");
  CHECK(to_postgres_sql("SELECT * FROM (SELECT a FROM t) x") == "SELECT * FROM (SELECT a FROM t) x");
  CHECK(to_postgres_sql("SELECT * FROM (SELECT a FROM t) AS x") == "SELECT * FROM (SELECT a FROM t) AS x");
  CHECK(to_postgres_sql("SELECT (SELECT max(b) FROM (SELECT b FROM u)) FROM t") ==
        "SELECT (SELECT max(b) FROM (SELECT b FROM u) AS _subquery1) FROM t");
  CHECK(to_postgres_sql("SELECT coalesce(a, (SELECT 1)) FROM t") == "SELECT coalesce(a, (SELECT 1)) FROM t");
}
