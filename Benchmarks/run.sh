#!/usr/bin/env bash
# make bench: the throughput benchmark of issue 18 in one run, everything on this machine and one PostgreSQL.
#   1. baselines: plain single-row INSERTs (1 and 8 clients, pgbench) and an HTTPS no-op (GET /healthz, wrk);
#   2. jitsudo: audit appends (1 and 8 writers: the exact statement AuditLog.append sends, pgbench), create →
#      auto-approve → ACTIVE over HTTPS (wrk, real OIDC tokens from the development issuer, mock provider) at 4 and
#      16 connections, `jitsudo audit verify` over the whole chain, idle RSS and time to ready;
#   3. each figure as absolute and as a ratio to its baseline; it ends by verifying the chain with
#      `jitsudo audit verify` and with Benchmarks/tools/verify-chain.py (an independent implementation of audit.md).
# Environment: BENCH_SECONDS (HTTP runs, 20), BENCH_APPEND_SECONDS (10), BENCH_VERIFY_EVENTS (chain length for the
# verify figure, 500000), BENCH_PG_OPTIONS (default: the test cluster's fsync=off settings), BENCH_SKIP_BUILD=1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=Benchmarks/bench-caller.sh
. "$here/bench-caller.sh"
root=$(cd "$here/.." && pwd)
bin=${BENCH_BIN_DIR:-$root/.build-release/release}
seconds=${BENCH_SECONDS:-20}
append_seconds=${BENCH_APPEND_SECONDS:-10}
verify_events=${BENCH_VERIFY_EVENTS:-500000}
pg_options=${BENCH_PG_OPTIONS:--c fsync=off -c synchronous_commit=off -c full_page_writes=off}

for tool in wrk pgbench psql python3 curl; do
    command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/ensure-deps.sh" >&2; exit 1; }
done
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
    # The shipped build (as `make images` and `make release`: the Swift runtime linked in statically); the same flags
    # as theirs, so the scratch path is shared instead of rebuilt.
    (cd "$root" && swift build -c release --static-swift-stdlib --product jitsudod --scratch-path .build-release -j 2 \
        && swift build -c release --static-swift-stdlib --product jitsudo --scratch-path .build-release -j 2)
fi

dir=$(mktemp -d /tmp/jitsudo-bench.XXXXXX)
chmod 0755 "$dir"  # the PostgreSQL cluster inside runs as the postgres user when we are root
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pid=""
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    "$root/scripts/pg-cluster.sh" stop "$dir/pg"
    rm -rf "$dir"
}
trap cleanup EXIT

admin_url=$(PG_EXTRA_OPTIONS="$pg_options" "$root/scripts/pg-cluster.sh" start "$dir/pg" "$(free_port)")
psql -X -q "$admin_url" -c "CREATE DATABASE jitsudo"
db_url=${admin_url/\/postgres\?/\/jitsudo?}
echo "machine: $(nproc) cores; load before the run:$(uptime | sed 's/.*load average//')"
echo "PostgreSQL $(psql -X -A -t "$admin_url" -c 'SHOW server_version'), options: $pg_options"

# --- jitsudod: start, time to ready, idle RSS -----------------------------------------------------------------------
port=$(free_port)
started=$(date +%s%N)
"$bin/jitsudod" dev --tls --port "$port" --data-dir "$dir/dev" --database-url "$db_url" >"$dir/dev.out" 2>&1 &
pid=$!
base="https://127.0.0.1:$port"
ca="$dir/dev/tls/ca.crt"
ready_ms=""
for _ in $(seq 1 600); do
    if [ -f "$ca" ] && curl -sf --cacert "$ca" "$base/readyz" >/dev/null 2>&1; then
        ready_ms=$((($(date +%s%N) - started) / 1000000))
        break
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$dir/dev.out" >&2; exit 1; }
    sleep 0.01
done
[ -n "$ready_ms" ] || { echo "jitsudod did not become ready:" >&2; cat "$dir/dev.out" >&2; exit 1; }
sleep 3
idle_rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")

# --- audit appends against plain INSERTs, same PostgreSQL ------------------------------------------------------------
psql -X -q "$db_url" -f "$here/sql/plain-table.sql"
rate() { awk '/^tps = / {printf "%.0f", $3}'; }
processed() { awk '/actually processed/ {print $NF}' | tr -d '\n'; }
declare -A plain append
appended=0
for clients in 1 8; do
    out=$(pgbench -n -M prepared -c "$clients" -j 2 -T "$append_seconds" -f "$here/sql/plain-insert.sql" "$db_url")
    plain[$clients]=$(rate <<<"$out")
    out=$(pgbench -n -M prepared -c "$clients" -j 2 -T "$append_seconds" -f "$here/sql/audit-append.sql" "$db_url")
    append[$clients]=$(rate <<<"$out")
    grep -q "number of failed transactions: 0 " <<<"$out" || { echo "audit appends failed: $out" >&2; exit 1; }
    appended=$((appended + $(processed <<<"$out")))
done
# The appends were acknowledged once staged; jitsudod (the leader) sequences them into the chain meanwhile. Wait until
# it has caught up (every acknowledged append in the chain), and say how long that took after the last append.
drained() {  # what -> milliseconds until audit_pending is empty (fails after 300 s; progress every 5 s)
    local started now left reported=0
    started=$(date +%s%N)
    while left=$(psql -X -A -t "$db_url" -c "SELECT count(*) FROM audit_pending") && [ "$left" -ne 0 ]; do
        now=$((($(date +%s%N) - started) / 1000000))
        [ "$now" -ge 300000 ] && { echo "the sequencer did not catch up ($1): $left events still staged" >&2; exit 1; }
        if [ "$now" -ge $((reported + 5000)) ]; then echo "  waiting for the sequencer ($1): $left events staged" >&2; reported=$now; fi
        sleep 0.01
    done
    echo $((($(date +%s%N) - started) / 1000000))
}
append_drain_ms=$(drained "audit appends")
stored=$(psql -X -A -t "$db_url" -c "SELECT count(*) FROM audit_events WHERE actor_identity = 'writer@example.com'")
forks=$(psql -X -A -t "$db_url" -c "SELECT (SELECT last_id FROM audit_chain_head) - count(*) + (SELECT count(*) FROM audit_pending) FROM audit_events")

# --- HTTPS: no-op baseline and create → ACTIVE ------------------------------------------------------------------------
bench_caller "$base" "$ca"
wrk_run() {  # connections script url -> "rate p50 p90 p99 failures"
    local out
    out=$(wrk -t2 -c"$1" -d"${seconds}s" --latency -s "$2" "$3")
    echo "$out" >>"$dir/wrk.log"
    awk '/^Requests\/sec:/ {r=$2} /^p50=/ {split($0, a, /[= ]/); p50=a[2]; p90=a[5]; p99=a[8]} /responses: / {f=$NF}
         END {printf "%.0f %s %s %s %s\n", r, p50, p90, p99, f}' <<<"$out"
}
wrk -t2 -c16 -d5s -s "$here/http/create-request.lua" "$base/api/v1alpha1/requests" >/dev/null  # warm-up
declare -A noop create
for connections in 4 16; do
    noop[$connections]=$(wrk_run "$connections" "$here/http/noop.lua" "$base/healthz")
    create[$connections]=$(wrk_run "$connections" "$here/http/create-request.lua" "$base/api/v1alpha1/requests")
done
loaded_rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
lag_after=$(curl -sf --cacert "$ca" "$base/metrics" | awk '/^jitsudo_audit_unsequenced_oldest_seconds / {print $2}')
load_after=$(uptime | sed 's/.*load average: //')

# --- audit verify over a long chain ---------------------------------------------------------------------------------
have=$(psql -X -A -t "$db_url" -c "SELECT last_id FROM audit_chain_head")
if [ "$have" -lt "$verify_events" ]; then
    bulk_started=$(date +%s%N)
    psql -X -q "$db_url" -c "INSERT INTO audit_pending (actor_identity, action, request_id, provider, resource_scope, outcome, details_json)
        SELECT 'filler' || (n % 97) || '@example.com', 'request.created', 'req_01JQ' || lpad(n::text, 22, '0'), 'mock', 'bench',
               'success', '{\"n\":' || n || ',\"reason\":\"INC-4421 benchmark\"}' FROM generate_series(1, $((verify_events - have))) AS n"
    bulk_ms=$((($(date +%s%N) - bulk_started) / 1000000))
    echo "bulk-staged $((verify_events - have)) events in one transaction: ${bulk_ms} ms"
    bulk_drain_ms=$(drained "bulk load")
    bulk_sequenced=$((verify_events - have))
fi
# The log at rest, as a verify finds it in a long-lived database: freshly loaded rows would be read the first time
# with their hint bits still to set (writes during the read) and autovacuum starting on the table meanwhile.
vacuum_started=$(date +%s%N)
psql -X -q "$db_url" -c "VACUUM (ANALYZE) audit_events"
echo "VACUUM (ANALYZE) audit_events before the verify runs: $((($(date +%s%N) - vacuum_started) / 1000000)) ms"
verify_runs=()
for _ in 1 2 3; do
    verify_started=$(date +%s%N)
    verify_out=$(/usr/bin/time -f "%M" -o "$dir/verify-rss" "$bin/jitsudo" audit verify --database-url "$db_url" --progress-every 0 2>/dev/null)
    verify_runs+=($((($(date +%s%N) - verify_started) / 1000000)))
done
verify_ms=$(printf '%s\n' "${verify_runs[@]}" | sort -n | sed -n 2p)  # the median of three
verified=$(grep -o '[0-9]* events verified' <<<"$verify_out" | awk '{print $1}')

# --- report ---------------------------------------------------------------------------------------------------------
ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print('%.2f' % (a / b if b else 0))" "$1" "$2"; }
field() { awk -v n="$2" '{print $n}' <<<"$1"; }
echo
echo "figure | absolute | baseline | ratio"
echo "plain INSERT, 1 client (baseline) | ${plain[1]}/s | | "
echo "plain INSERT, 8 clients (baseline) | ${plain[8]}/s | | "
echo "audit append, 1 writer | ${append[1]}/s | plain 1 client | $(ratio "${append[1]}" "${plain[1]}")"
echo "audit append, 8 writers | ${append[8]}/s | plain 8 clients | $(ratio "${append[8]}" "${plain[8]}") (goal >= 0.50)"
echo "audit appends: $appended acknowledged, $stored stored (lost: $((appended - stored))); head minus events (forks/gaps): $forks"
echo "audit sequencing: caught up ${append_drain_ms} ms after the last append"
if [ -n "${bulk_drain_ms:-}" ]; then
    echo "audit sequencing, bulk | $bulk_sequenced events in ${bulk_drain_ms} ms = $(python3 -c "print(round($bulk_sequenced * 1000 / max($bulk_drain_ms, 1)))") events/s | | "
fi
echo "jitsudo_audit_unsequenced_oldest_seconds after the HTTP runs (leader): ${lag_after:-absent}"
for connections in 4 16; do
    n=${noop[$connections]}
    c=${create[$connections]}
    echo "HTTPS no-op GET /healthz, $connections connections (baseline) | $(field "$n" 1)/s, p99 $(field "$n" 4) ms | | (non-200: $(field "$n" 5))"
    echo "create -> ACTIVE, $connections connections | $(field "$c" 1)/s, p50/p90/p99 $(field "$c" 2)/$(field "$c" 3)/$(field "$c" 4) ms | no-op $connections | $(ratio "$(field "$c" 1)" "$(field "$n" 1)") (non-ACTIVE or non-200: $(field "$c" 5))"
done
echo "audit verify (jitsudo, direct, whole process; median of ${verify_runs[*]} ms) | $verified events in ${verify_ms} ms = $(python3 -c "print(round($verified * 1000 / max($verify_ms, 1)))") events/s, max RSS $(($(cat "$dir/verify-rss") / 1024)) MiB | | (goal >= 500000/s)"
echo "jitsudod ready after start (empty database, migrations included) | ${ready_ms} ms | | (goal <= 1000 ms)"
mib() { awk -v kb="$1" 'BEGIN {printf "%.1f", kb / 1024}'; }  # one decimal: a floor would hide 40.9 as "40"
echo "jitsudod RSS idle -> after load | $(mib "$idle_rss") MiB -> $(mib "$loaded_rss") MiB | | (goal idle <= 40 MiB)"
echo "load average after the HTTP runs: $load_after"
echo
echo "chain (jitsudo audit verify): $verify_out"
echo -n "chain (independent verifier, Benchmarks/tools/verify-chain.py): "
python3 "$here/tools/verify-chain.py" "$db_url"
