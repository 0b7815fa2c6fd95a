#!/usr/bin/env bash
# Benchmarks/compare.sh DIR_A DIR_B [DIR ...]: create → auto-approve → ACTIVE with two or more jitsudod release
# binaries (each DIR holds a `jitsudod`), alternated round by round in one set-up, so that a machine whose speed drifts
# within minutes compares like with like. Each run: a fresh PostgreSQL cluster (make bench's options), `jitsudod dev
# --tls`, the benchmark's approval policy, a 3 s wrk warm-up, then wrk for COMPARE_SECONDS at COMPARE_CONNECTIONS.
# Besides the rate and latency, it reads the CPU each side spent per request (utime + stime from /proc, divided by the
# requests wrk completed): PostgreSQL does the same work per request for every binary of one schema, so jitsudod's CPU
# as a ratio to PostgreSQL's cancels the drift. Ends with each binary's means.
# Environment: COMPARE_ROUNDS (3), COMPARE_SECONDS (8), COMPARE_CONNECTIONS (16).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=Benchmarks/bench-caller.sh
. "$here/bench-caller.sh"
root=$(cd "$here/.." && pwd)
rounds=${COMPARE_ROUNDS:-3}
seconds=${COMPARE_SECONDS:-8}
connections=${COMPARE_CONNECTIONS:-16}
[ "$#" -ge 2 ] || { echo "usage: $0 DIR_A DIR_B [DIR ...]   (each DIR holds a jitsudod binary)" >&2; exit 2; }
for dir in "$@"; do [ -x "$dir/jitsudod" ] || { echo "$dir/jitsudod is not an executable" >&2; exit 2; }; done
for tool in wrk psql python3 curl; do
    command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/ensure-deps.sh" >&2; exit 1; }
done

hz=$(getconf CLK_TCK)
work=$(mktemp -d /tmp/jitsudo-compare.XXXXXX)
chmod 0755 "$work"  # the PostgreSQL cluster inside runs as the postgres user when we are root
pid=""
cluster=""
stop_run() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; fi
    if [ -n "$cluster" ]; then "$root/scripts/pg-cluster.sh" stop "$cluster" >/dev/null 2>&1 || true; cluster=""; fi
}
trap 'stop_run; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ticks() {  # pid -> "jitsudod-ticks postgres-ticks" (every postgres process of the machine: run nothing else)
    local self pg=0 line
    self=$(awk '{print $14 + $15}' "/proc/$1/stat")
    for stat in /proc/[0-9]*/stat; do
        read -r line <"$stat" 2>/dev/null || continue
        # shellcheck disable=SC2086  # the stat line's fields, split on purpose
        case "$line" in *"(postgres)"*) set -- $line; pg=$((pg + ${14} + ${15})) ;; esac
    done
    echo "$self $pg"
}

declare -A rates ratios runs
for round in $(seq 1 "$rounds"); do
    for dir in "$@"; do
        run="$work/run"
        mkdir -p "$run"
        cluster="$run/pg"
        admin_url=$(PG_EXTRA_OPTIONS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            "$root/scripts/pg-cluster.sh" start "$cluster" "$(free_port)")
        psql -X -q "$admin_url" -c "CREATE DATABASE jitsudo"
        port=$(free_port)
        "$dir/jitsudod" dev --tls --port "$port" --data-dir "$run/dev" --database-url "${admin_url/\/postgres\?/\/jitsudo?}" \
            >"$run/dev.out" 2>&1 &
        pid=$!
        base="https://127.0.0.1:$port"
        ca="$run/dev/tls/ca.crt"
        for _ in $(seq 1 3000); do
            [ -f "$ca" ] && curl -sf --cacert "$ca" "$base/readyz" >/dev/null 2>&1 && break
            kill -0 "$pid" 2>/dev/null || { cat "$run/dev.out" >&2; exit 1; }
            sleep 0.01
        done
        curl -sf --cacert "$ca" "$base/readyz" >/dev/null || { echo "$dir/jitsudod did not become ready" >&2; exit 1; }
        bench_caller "$base" "$ca"
        wrk -t2 -c"$connections" -d3s -s "$here/http/create-request.lua" "$base/api/v1alpha1/requests" >/dev/null
        read -r j0 p0 < <(ticks "$pid")
        out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$here/http/create-request.lua" "$base/api/v1alpha1/requests")
        read -r j1 p1 < <(ticks "$pid")
        stop_run
        rm -rf "$run"
        requests=$(awk '/requests in/ {print $1}' <<<"$out")
        rate=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
        failures=$(awk '/responses: / {print $NF}' <<<"$out")
        latency=$(grep '^p50=' <<<"$out")
        read -r jms pms ratio < <(awk -v j=$((j1 - j0)) -v p=$((p1 - p0)) -v n="$requests" -v hz="$hz" \
            'BEGIN {jm = j * 1000 / hz / n; pm = p * 1000 / hz / n; printf "%.3f %.3f %.3f\n", jm, pm, (pm > 0 ? jm / pm : 0)}')
        echo "round $round $dir: ${rate}/s, $latency, non-ACTIVE or non-200: $failures; CPU per request jitsudod ${jms} ms, PostgreSQL ${pms} ms, ratio $ratio"
        rates[$dir]="${rates[$dir]:-} $rate"
        ratios[$dir]="${ratios[$dir]:-} $ratio"
        runs[$dir]=$((${runs[$dir]:-0} + 1))
    done
done
echo
for dir in "$@"; do
    mean() { tr ' ' '\n' <<<"$1" | awk 'NF {s += $1; n++} END {printf "%.3f", s / n}'; }
    echo "$dir: ${runs[$dir]} runs at $connections connections, mean $(mean "${rates[$dir]}")/s, jitsudod/PostgreSQL CPU per request $(mean "${ratios[$dir]}")"
done
