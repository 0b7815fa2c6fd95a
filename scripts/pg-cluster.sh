#!/usr/bin/env bash
# Starts or stops a throw-away PostgreSQL cluster from the machine's binaries.
#   scripts/pg-cluster.sh start DIR PORT   -> initdb (if needed) and start; prints the superuser URL
#   scripts/pg-cluster.sh stop DIR
# Works as root: the cluster then runs as the 'postgres' user (initdb refuses to run as root).
set -euo pipefail

bindir() {
    local candidate
    for candidate in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5 -n -r); do
        [ -x "$candidate/initdb" ] && { echo "$candidate"; return; }
    done
    command -v initdb >/dev/null && { dirname "$(command -v initdb)"; return; }
    echo "initdb not found: install PostgreSQL with 'apt-get install -y postgresql'" >&2
    exit 1
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmd=${1:?usage: pg-cluster.sh start DIR PORT | stop DIR}
dir=${2:?directory required}
bin=$(bindir)
case "$cmd" in
start)
    port=${3:?port required}
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" = 0 ] && chown -R postgres: "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if ! as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -w -t 60 -l "$dir/postgres.log" \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=1000 ${PG_EXTRA_OPTIONS:-}" start >/dev/null \
            || { tail -20 "$dir/postgres.log" >&2; exit 1; }
    fi
    echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
    ;;
stop)
    if [ -d "$dir/data" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; fi
    ;;
*)
    echo "usage: pg-cluster.sh start DIR PORT | stop DIR" >&2
    exit 64
    ;;
esac
