# shellcheck shell=bash
# The drills' common part (sourced): the local cluster's environment, and steps that run a runbook's command as
# written and fail loudly — naming the step, the command, and the output that differed.
#
#   step NAME 'command as in the runbook'   runs it (eval, so the environment's curl/openssl apply); output in $out
#   step_may_fail NAME 'command'            the same, exit status in $rc (for commands expected to fail)
#   expect REGEX / expect_not REGEX         about $out of the last step
#   eventually SECONDS NAME 'command'       repeats the command until it succeeds (no fixed sleeps)
#   fail MESSAGE                            ends the drill: "DRILL FAILED at step …"
set -uo pipefail
drills_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ops_root=$(cd "$drills_dir/../.." && pwd)
cluster_dir=${JITSUDO_CLUSTER_DIR:-$ops_root/.ops-cluster}
[ -f "$cluster_dir/env.sh" ] || { echo "DRILL FAILED: no local cluster in $cluster_dir: run ops/cluster.sh up (or make drill)"; exit 1; }
# shellcheck source=/dev/null
. "$cluster_dir/env.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/jitsudo-drill.XXXXXX")
# cleanup: a function a drill may define to put the cluster back as it found it, even when it fails (drills never
# depend on each other, nor on the order they run in).
cleanup() { :; }
finish() {
    local status=$?
    cleanup >/dev/null 2>&1
    rm -rf "$work"
    exit "$status"
}
trap finish EXIT
cd "$work" || exit 1
current=setup
out=""
rc=0

fail() {
    echo "DRILL FAILED at step '$current': $*" >&2
    exit 1
}

show() {
    echo "\$ $1"
    [ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/  | /'
    return 0
}

step() {
    current=$1
    out=$(eval "$2" 2>&1)
    rc=$?
    show "$2"
    [ "$rc" -eq 0 ] || fail "\`$2\` exited $rc; output:
$out"
}

step_may_fail() {
    current=$1
    out=$(eval "$2" 2>&1)
    rc=$?
    show "$2"
    echo "  (exit $rc)"
}

expect() {
    grep -qE -- "$1" <<<"$out" || fail "expected the output to match /$1/; it was:
$out"
}

expect_not() {
    if grep -qE -- "$1" <<<"$out"; then fail "expected the output NOT to match /$1/; it was:
$out"; fi
}

eventually() { # seconds name command
    local limit=$1 deadline
    current=$2
    deadline=$((SECONDS + limit))
    while true; do
        out=$(eval "$3" 2>&1)
        rc=$?
        [ "$rc" -eq 0 ] && break
        [ $SECONDS -lt $deadline ] || { show "$3"; fail "\`$3\` did not succeed within $limit s; last output:
$out"; }
        sleep 0.5
    done
    show "$3"
}

# as USER GROUP…: JITSUDO_TOKEN for that user (the CLI's bearer token) in this shell.
as() {
    JITSUDO_TOKEN=$(jitsudo_token "$@") || fail "no token for $1"
    export JITSUDO_TOKEN
}

# A fresh suffix, so a drill run never depends on what another run left.
export run_id
run_id=$(date +%s)-$$

# wait_ready: deployment/jitsudod rolled out and /readyz answering through jitsudo.internal.
wait_ready() {
    eventually 180 "jitsudod ready" 'kubectl rollout status deployment/jitsudod --timeout=5s && curl -fsS https://jitsudo.internal/readyz'
}

# start_polling: a client polling /healthz through jitsudo.internal in the background, one new connection per request,
# every answer or failure a line of poll.log; its PID is $poller (a drill's cleanup kills it).
start_polling() {
    (
        while [ ! -f stop-polling ]; do
            if command curl -ksS --max-time 5 -o /dev/null -w '%{http_code}\n' --connect-to "jitsudo.internal:443:127.0.0.1:$JITSUDO_SERVICE_PORT" \
                https://jitsudo.internal/healthz >>poll.log 2>&1; then :; else echo "curl exit $?" >>poll.log; fi
            sleep 0.1
        done
    ) &
    poller=$!
}

# stop_polling DURING: stops the poller and fails unless it made more than 10 requests, all answered 200; sets
# $requests to how many it made.
stop_polling() {
    touch stop-polling
    wait "$poller"
    poller=""
    current="no failed request during the $1"
    requests=$(wc -l <poll.log)
    local failures
    failures=$(grep -vc '^200$' poll.log)
    echo "polling client: $requests requests, $failures failed"
    [ "$requests" -gt 10 ] || fail "the poller made only $requests requests"
    [ "$failures" -eq 0 ] || fail "$failures of $requests requests failed during the $1: $(grep -v '^200$' poll.log | sort | uniq -c)"
}

drill_passed() { echo "DRILL PASSED: $1"; }
