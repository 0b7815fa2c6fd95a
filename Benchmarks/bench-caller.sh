# shellcheck shell=bash
# Sourced by Benchmarks/run.sh and Benchmarks/compare.sh: the benchmark's caller against a running `jitsudod dev`.
# bench_caller BASE CA: exports BENCH_TOKEN (a development ID token of bench@example.com, group sre, which
# Benchmarks/http/*.lua send) and stores the approval policy that routes every request to tier auto (→ ACTIVE at once).
bench_caller() {
    local base=$1 ca=$2 admin
    dev_token() {
        curl -sf --cacert "$ca" "$base/dev-oidc/dev-token?email=$1&groups=$2" |
            python3 -c 'import sys,json; print(json.load(sys.stdin)["id_token"])'
    }
    admin=$(dev_token bench-admin@example.com jitsudo-admins)
    BENCH_TOKEN=$(dev_token bench@example.com sre)
    export BENCH_TOKEN
    curl -sf --cacert "$ca" -X POST -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
        -d '{"name":"bench-auto","type":"approval","enabled":true,"rego":"package jitsudo.approval\napprover_tier := \"auto\"\n"}' \
        "$base/api/v1alpha1/policies" >/dev/null
}
