#!/usr/bin/env bash
# A private PostgreSQL server for the Orleans membership test (Distributed/PostgresMembershipTests) and for trying
# ADO.NET clustering on one machine: its own data folder, loopback only, a port of its own, trust authentication (only
# local processes reach it). Debian's postgresql package provides the binaries (.ci/run installs it).
#   bash scripts/orleans-postgresql/server.sh start DIR [PORT, default 55432]  -> prints the Npgsql connection string
#   bash scripts/orleans-postgresql/server.sh stop DIR
# start creates the cluster in DIR, starts it, creates the database 'orleans' and runs membership.sql in it.
# As root (CI, containers) the server runs as the 'postgres' user that the package creates: PostgreSQL refuses root.
set -euo pipefail
ACTION=${1:?start or stop}; DIR=${2:?data folder}; PORT=${3:-55432}
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$BIN" ] || { echo "PostgreSQL is not installed (Debian: apt-get install postgresql)" >&2; exit 1; }
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$ACTION" in
  start)
    mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
    [ "$(id -u)" = 0 ] && chown postgres: "$DIR"
    as_owner "$BIN/initdb" -D "$DIR/data" -U orleans -A trust --no-sync >"$DIR/initdb.log" 2>&1
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c fsync=off" start >/dev/null
    as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U orleans orleans
    as_owner "$BIN/psql" -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U orleans -d orleans <"$HERE/membership.sql" >/dev/null
    echo "Host=127.0.0.1;Port=$PORT;Username=orleans;Database=orleans"
    ;;
  stop)
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null
    ;;
  *) echo "unknown action $ACTION (start or stop)" >&2; exit 1 ;;
esac
