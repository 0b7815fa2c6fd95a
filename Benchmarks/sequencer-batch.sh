#!/usr/bin/env bash
# Benchmarks/sequencer-batch.sh JITSUDOD [STORED ...]: what one audit sequencer batch costs PostgreSQL, per event, as
# the log grows, with the schema JITSUDOD migrates to and with the unique indexes on audit_events' two hashes that
# migration 16 replaced by its link check added back (so the two designs are compared on the same rows). For each
# number of events already stored (default: 0 and 3,000,000), it stages 50,000 events and times the batch statement of
# Benchmarks/sql/sequencer-batch.sql with pgbench (1,000 events per batch, 30 batches; 100 per batch, 200 batches).
# A fresh PostgreSQL cluster with make bench's options; the stored events are linked like the batch's own.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
jitsudod=${1:?usage: $0 JITSUDOD [STORED ...]   (a jitsudod binary: it migrates the database)}
shift
sizes=("$@")
[ "${#sizes[@]}" -gt 0 ] || sizes=(0 3000000)
for tool in psql pgbench python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/ensure-deps.sh" >&2; exit 1; }
done
work=$(mktemp -d /tmp/jitsudo-sequencer-batch.XXXXXX)
chmod 0755 "$work"  # the PostgreSQL cluster inside runs as the postgres user when we are root
trap '"$root/scripts/pg-cluster.sh" stop "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
admin_url=$(PG_EXTRA_OPTIONS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    "$root/scripts/pg-cluster.sh" start "$work/pg" "$port")

stage() {  # url count: count events into audit_pending
    psql -X -q "$1" -c "INSERT INTO audit_pending (actor_identity, action, request_id, provider, resource_scope, outcome, details_json)
        SELECT 'user' || (n % 97) || '@example.com', (ARRAY['request.created', 'request.approved', 'grant.activated'])[1 + n % 3],
               'req_01JQ' || lpad((n / 3)::text, 22, '0'), 'mock', 'prod-account', 'success',
               '{\"duration_seconds\":3600,\"reason\":\"INC-4421 benchmark\",\"role\":\"admin\",\"n\":' || n || '}'
        FROM generate_series(1, $2) AS n"
    psql -X -q "$1" -c "VACUUM ANALYZE audit_pending"
}
per_event() {  # url limit batches -> microseconds per event
    local out
    out=$(pgbench -n -c 1 -t "$3" -D limit="$2" -f "$here/sql/sequencer-batch.sql" "$1" 2>&1)
    grep -q "number of failed transactions: 0 " <<<"$out" || { echo "the batch failed: $out" >&2; exit 1; }
    awk -v n="$2" '/latency average/ {printf "%.1f", $4 * 1000 / n}' <<<"$out"
}
measure() {  # url design stored
    stage "$1" 50000
    local large small
    large=$(per_event "$1" 1000 30)
    small=$(per_event "$1" 100 200)
    psql -X -q "$1" -c "VACUUM audit_pending"
    echo "$3 | $2 | $large µs | $small µs"
}

echo "events stored | design | per event, batches of 1,000 | per event, batches of 100"
for stored in "${sizes[@]}"; do
    for design in "link check (migration 16)" "link check + unique hashes (before migration 16)"; do
        db="bench_$RANDOM"
        psql -X -q "$admin_url" -c "CREATE DATABASE $db"
        url=${admin_url/\/postgres\?/\/$db?}
        JITSUDOD_DATABASE_URL="$url" "$jitsudod" migrate >/dev/null
        if [ "$stored" -gt 0 ]; then
            psql -X -q "$url" -c "INSERT INTO audit_events (id, \"timestamp\", actor_identity, action, request_id, provider, resource_scope,
                                                          outcome, details_json, prev_hash, hash)
                SELECT n, now(), 'user' || (n % 97) || '@example.com', 'request.created', 'req_01JQ' || lpad(n::text, 22, '0'), 'mock',
                       'prod-account', 'success', '{\"duration_seconds\":3600,\"reason\":\"INC-4421 benchmark\",\"n\":' || n || '}',
                       CASE WHEN n = 1 THEN '' ELSE encode(sha256(int8send(n - 1)), 'hex') END, encode(sha256(int8send(n)), 'hex')
                FROM generate_series(1, $stored) AS n"
            psql -X -q "$url" -c "UPDATE audit_chain_head SET last_id = $stored" -c "VACUUM ANALYZE audit_events"
        fi
        case "$design" in *unique*)
            psql -X -q "$url" -c "ALTER TABLE audit_events ADD CONSTRAINT audit_events_hash_key UNIQUE (hash),
                                                           ADD CONSTRAINT audit_events_prev_hash_key UNIQUE (prev_hash)" ;;
        esac
        measure "$url" "$design" "$stored"
        psql -X -q "$admin_url" -c "DROP DATABASE $db"
    done
done
