#!/usr/bin/env bash
# Runs a command with a fresh PostgreSQL test cluster: exports JITSUDO_TEST_DATABASE_URL (superuser URL;
# the test harness creates one database per test in it) and removes the cluster afterwards.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/jitsudo-test-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() { "$here/pg-cluster.sh" stop "$dir"; rm -rf "$dir"; }
trap cleanup EXIT
# The options must reach pg-cluster.sh's environment (a bare assignment before another one never did: tests ran
# with fsync on).
JITSUDO_TEST_DATABASE_URL=$(PG_EXTRA_OPTIONS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    "$here/pg-cluster.sh" start "$dir" "$port")
export JITSUDO_TEST_DATABASE_URL
echo "test PostgreSQL on 127.0.0.1:$port ($dir)" >&2
"$@"
