#!/usr/bin/env bash
# Runs the drills (every ops/drills/*.sh but lib.sh and run.sh, or those named) against the local cluster, each in its own process with
# a time limit, and ends with "N passed, M failed". Lines in swift-testing's format ("✔ Test drill…() passed",
# "✘ … failed", "Test run with N tests") let scripts/run-tests.sh count them in `make test`.
#
# The cluster: the one of $JITSUDO_CLUSTER_DIR (default .ops-cluster/) when it is up; otherwise run.sh brings one up
# (ops/cluster.sh up; on the test bed of $JITSUDO_TEST_KUBECONFIG when set, as in `make test`) and takes it down after.
#   ops/drills/run.sh [runbook-5-compromised-user …]      JITSUDO_DRILL_TIMEOUT (s, per drill; default 240)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=scripts/test-lines.sh
source "$root/scripts/test-lines.sh"
limit=${JITSUDO_DRILL_TIMEOUT:-240}
started=$SECONDS
if [ -z "${JITSUDO_CLUSTER_DIR:-}" ] && [ -n "${JITSUDO_TEST_KUBECONFIG:-}" ]; then
    JITSUDO_CLUSTER_DIR=$(mktemp -d /tmp/jitsudo-drill-cluster.XXXXXX)
    export JITSUDO_CLUSTER_KUBECONFIG=$JITSUDO_TEST_KUBECONFIG
fi
export JITSUDO_CLUSTER_DIR=${JITSUDO_CLUSTER_DIR:-$root/.ops-cluster}
if ! "$root/ops/cluster.sh" status >/dev/null 2>&1; then
    echo "=== ops/cluster.sh up"
    if ! "$root/ops/cluster.sh" up; then
        [ -n "${JITSUDO_DRILL_KEEP_CLUSTER:-}" ] || "$root/ops/cluster.sh" down
        test_failed clusterUp "$((SECONDS - started))"
        test_run_summary 0 1 "$((SECONDS - started))"
        exit 1
    fi
    # Taken down at the end, and when the time limit of scripts/run-tests.sh ends this script.
    if [ -z "${JITSUDO_DRILL_KEEP_CLUSTER:-}" ]; then trap '"$root/ops/cluster.sh" down' EXIT; trap 'exit 143' TERM; fi
fi
echo "cluster up after $((SECONDS - started)) s"

drills=()
if [ $# -gt 0 ]; then
    for name in "$@"; do drills+=("$here/${name%.sh}.sh"); done
else
    for file in "$here"/*.sh; do
        case "$(basename "$file")" in lib.sh | run.sh) ;; *) drills+=("$file") ;; esac
    done
fi
passed=0
failed=0
for drill in "${drills[@]}"; do
    name=$(basename "$drill" .sh)
    begin=$SECONDS
    echo "=== $name"
    timeout --kill-after=10 "$limit" "$drill" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
        test_passed "drill_${name//-/_}" "$((SECONDS - begin))"
    else
        failed=$((failed + 1))
        [ "$rc" -eq 124 ] && echo "DRILL FAILED: $name exceeded ${limit}s"
        test_failed "drill_${name//-/_}" "$((SECONDS - begin))"
    fi
done
test_run_summary "$passed" "$failed" "$((SECONDS - started))"
