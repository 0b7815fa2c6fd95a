#!/usr/bin/env bash
# create → auto-approve → ACTIVE throughput and latency of a release jitsudod over HTTPS on loopback (TLS 1.3,
# development CA), with real OIDC tokens (development issuer), real PostgreSQL and the mock provider; plus idle RSS.
#   Benchmarks/http/run.sh [jitsudod-binary] [connections=16] [seconds=20]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-$root/.build-release/release/jitsudod}
connections=${2:-16}
seconds=${3:-20}
command -v wrk >/dev/null || { echo "install wrk: apt-get install -y wrk" >&2; exit 1; }
dir=$(mktemp -d /tmp/jitsudo-bench.XXXXXX)
chmod 0755 "$dir"  # the PostgreSQL cluster inside runs as the postgres user when we are root
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" dev --tls --port 0 --data-dir "$dir" --pg-port "$port" > "$dir/dev.out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 120); do grep -q "listening on" "$dir/dev.out" 2>/dev/null && break; sleep 0.5; done
url=$(grep -o "https://127.0.0.1:[0-9]*" "$dir/dev.out" | head -1)
[ -n "$url" ] || { echo "jitsudod dev did not start:" >&2; cat "$dir/dev.out" >&2; exit 1; }
ca="$dir/tls/ca.crt"
sleep 3
echo "idle $(grep VmRSS /proc/$pid/status)"
admin=$(curl -s --cacert "$ca" "$url/dev-oidc/dev-token?email=bench-admin@example.com&groups=jitsudo-admins" | python3 -c 'import sys,json; print(json.load(sys.stdin)["id_token"])')
BENCH_TOKEN=$(curl -s --cacert "$ca" "$url/dev-oidc/dev-token?email=bench@example.com&groups=sre" | python3 -c 'import sys,json; print(json.load(sys.stdin)["id_token"])')
export BENCH_TOKEN
curl -sf --cacert "$ca" -X POST -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d '{"name":"bench-auto","type":"approval","enabled":true,"rego":"package jitsudo.approval\napprover_tier := \"auto\"\n"}' \
    "$url/api/v1alpha1/policies" >/dev/null
wrk -t2 -c"$connections" -d5s -s "$here/create-request.lua" "$url/api/v1alpha1/requests" >/dev/null  # warm-up
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$here/create-request.lua" "$url/api/v1alpha1/requests"
echo "after load $(grep VmRSS /proc/$pid/status)"
