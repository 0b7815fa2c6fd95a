#!/usr/bin/env bash
# Runs the already-built test bundle one group of test targets at a time (unit first, then integration),
# each in its own process with a time limit, and ends with one summary line "N passed, M failed".
# Groups keep the number of servers, PostgreSQL clients and subprocesses alive at once bounded on 2 cores;
# the time limit turns a hang into a failure instead of a stalled CI.
set -uo pipefail
limit=${JITSUDO_TEST_GROUP_TIMEOUT:-1200}
groups=(
    "JitsudoCoreTests|RegoTests"
    "JitsudoStoreIntegrationTests"
    "JitsudoServerIntegrationTests"
    "JitsudoAuthTests|JitsudoTLSTests"
    "JitsudoNotifyTests"
    "JitsudoCLITests"
)
passed=0
failed=0
status=0
log=$(mktemp)
for group in "${groups[@]}"; do
    echo "=== swift test --filter '$group'"
    timeout --kill-after=10 "$limit" swift test --skip-build --filter "$group" >"$log" 2>&1
    rc=$?
    cat "$log"
    summary=$(grep -E "Test run with [0-9]+ test" "$log" | tail -1)
    total=$(echo "$summary" | sed -nE 's/.*Test run with ([0-9]+) test.*/\1/p')
    bad=$(grep -cE "^✘ Test .* failed after" "$log" || true)
    if [ "$rc" -ne 0 ] || [ -z "$total" ]; then
        status=1
        if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then echo "!!! group '$group' exceeded ${limit}s and was stopped" >&2; fi
        [ "$bad" -eq 0 ] && bad=1
    fi
    total=${total:-0}
    passed=$((passed + total - bad))
    failed=$((failed + bad))
done
rm -f "$log"
echo
echo "$passed passed, $failed failed"
exit $status
