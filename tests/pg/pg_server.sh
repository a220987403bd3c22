#!/usr/bin/env bash
# A throw-away PostgreSQL server for tests: `pg_server.sh start DIR` makes a cluster in DIR
# (initdb, trust authentication on loopback only, a free port), starts it and prints its
# postgresql:// address; `pg_server.sh stop DIR` stops it. As root it runs the server as the
# `postgres` user (PostgreSQL refuses to run as root). Exits 77 (a skipped test) with a message
# when PostgreSQL's server programs are not installed (apt-get install postgresql).
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?folder}
initdb=$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$initdb" ] || [ ! -x "$initdb" ]; then
  echo "SKIP: PostgreSQL's server is not installed (apt-get install postgresql): the PostgreSQL store is not tested" >&2
  exit 77
fi
bin=$(dirname "$(readlink -f "$initdb")")
as=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "SKIP: running as root and there is no postgres user to run the server as" >&2; exit 77; }
  as=(runuser -u postgres --)
fi

case "$cmd" in
  start)
    mkdir -p "$dir"
    [ ${#as[@]} -gt 0 ] && chown postgres "$dir" && chmod 755 "$dir"
    "${as[@]}" "$bin/initdb" -D "$dir/data" -U mlpipe --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(bash "$(dirname "$0")/../free_port.sh") || exit 1
    # Durability off: a test server's data is thrown away (the store's own guarantees are
    # tested by killing clients and the server, not by pulling the power).
    if ! "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >"$dir/pg_ctl.log" 2>&1; then
      cat "$dir/pg_ctl.log" "$dir/server.log" >&2 || true
      exit 1
    fi
    echo "$port" >"$dir/port"
    echo "postgresql://mlpipe@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -d "$dir/data" ] && "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    ;;
  restart)  # start again the cluster in DIR on its port (after `kill`, as a crashed server comes back)
    port=$(cat "$dir/port")
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >"$dir/pg_ctl.log" 2>&1 || { cat "$dir/pg_ctl.log" "$dir/server.log" >&2; exit 1; }
    ;;
  kill)  # the server gone at once, as a crash: every backend killed with it
    pid=$(head -1 "$dir/data/postmaster.pid")
    kill -9 "$pid"
    ;;
  *)
    echo "usage: pg_server.sh start|stop|kill|restart DIR" >&2
    exit 2
    ;;
esac
