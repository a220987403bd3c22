#!/usr/bin/env bash
# Runs the store's backend tests (tests/unit/store/store_backends_test.cpp) against a throw-away
# PostgreSQL server: `run_unit_tests.sh MLPIPE_TESTS_BINARY`. Exits 77 (skipped) without PostgreSQL.
set -euo pipefail
tests=${1:?the mlpipe_tests binary}
dir=$(mktemp -d "${TMPDIR:-/tmp}/mlpipe-pg-unit.XXXXXX")
chmod 755 "$dir"
here=$(cd "$(dirname "$0")" && pwd)
trap 'bash "$here/pg_server.sh" stop "$dir/server"; rm -rf "$dir"' EXIT
rc=0
url=$(bash "$here/pg_server.sh" start "$dir/server") || rc=$?
[ "$rc" -eq 0 ] || exit "$rc"
MLPIPE_TEST_POSTGRES=$url "$tests" -tc="store backends*"
