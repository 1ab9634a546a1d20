#!/usr/bin/env bash
# Runs a throwaway PostgreSQL server for the SUS store tests and benchmarks: initdb into
# DIR/data, the server on a free loopback port with its Unix socket in DIR, trust
# authentication and a superuser named careid.
#
# Debian's initdb and postgres refuse to run as root, so when this script runs as root it
# runs them as the unprivileged user `postgres` (created by Debian's postgresql package)
# and hands DIR to that user.
#
# Usage:
#   scripts/pg-test-server.sh start DIR        start a server; prints the libpq URI of database careid
#   scripts/pg-test-server.sh createdb DIR DB  create database DB; prints its URI
#   scripts/pg-test-server.sh stop DIR         stop the server (DIR is left for the caller to remove)
#
# Exit code 3 means the PostgreSQL server binaries are not installed.
set -euo pipefail

find_bindir() {
  if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir
    return
  fi
  local newest
  newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [ -n "$newest" ] && [ -x "$newest/initdb" ]; then
    echo "$newest"
    return
  fi
  echo "pg-test-server: PostgreSQL server binaries not found; install postgresql (scripts/install-deps.sh)" >&2
  exit 3
}

# Runs a PostgreSQL binary as the owner of the data folder.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

uri_of() {
  echo "postgresql:///$2?host=$1&port=$(cat "$1/port")&user=careid"
}

start() {
  local dir="$1" bindir port attempt
  bindir="$(find_bindir)"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir"
  fi
  as_owner "$bindir/initdb" -D "$dir/data" -U careid -A trust -E UTF8 --locale=C --no-sync \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }

  # Another process may take the free port before the server binds it, so retry.
  for attempt in 1 2 3; do
    port="$(free_port)"
    if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 120 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_wal_size=2GB" start >/dev/null; then
      echo "$port" >"$dir/port"
      echo "$bindir" >"$dir/bindir"
      as_owner "$bindir/createdb" -h "$dir" -p "$port" -U careid careid
      uri_of "$dir" careid
      return
    fi
  done
  echo "pg-test-server: the server did not start; see $dir/server.log" >&2
  tail -20 "$dir/server.log" >&2 || true
  exit 1
}

case "${1:-}" in
  start)
    start "$2"
    ;;
  createdb)
    dir="$(cd "$2" && pwd)"
    as_owner "$(cat "$dir/bindir")/createdb" -h "$dir" -p "$(cat "$dir/port")" -U careid "$3"
    uri_of "$dir" "$3"
    ;;
  stop)
    dir="$(cd "$2" && pwd)"
    if [ -f "$dir/bindir" ]; then
      as_owner "$(cat "$dir/bindir")/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    fi
    ;;
  *)
    echo "usage: $0 start DIR | createdb DIR DB | stop DIR" >&2
    exit 2
    ;;
esac
