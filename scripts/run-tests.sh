#!/usr/bin/env bash
# Runs the already-built test bundle one group of test targets at a time (unit first, then integration),
# each in its own process with a time limit, and ends with one summary line "N passed, M failed".
# A group is a `swift test --filter` pattern, or the path of a test script that prints swift-testing's lines ("✘ Test
# … failed after", "Test run with N tests") and is counted the same way (Tests/ImageTests: the built images).
# Groups keep the number of servers, PostgreSQL clients and subprocesses alive at once bounded on 2 cores;
# the time limit turns a hang into a failure instead of a stalled CI.
set -uo pipefail
default_limit=${JITSUDO_TEST_GROUP_TIMEOUT:-300}
# A group that HANGS (time limit reached, no result) may be run again when JITSUDO_TEST_HANG_ATTEMPTS > 1 (for
# chasing a hang locally); by default a hang is a failure. A group whose tests fail is never re-run.
attempts=${JITSUDO_TEST_HANG_ATTEMPTS:-1}
groups=(
    "BoundedJSONTests|CheckedYAMLTests|JitsudoCoreTests|JitsudoPolicyTests|JitsudoServerTests|RegoTests|OperatorCoreTests|KubernetesClientTests|GoogleCloudClientTests|FakeletKitTests"
    "HelmChartTests"
    # The images `make test` built (scripts/build-image.sh), run from their own root filesystems.
    "Tests/ImageTests/image-tests.sh"
    "ops/alerts/check.sh"
    # A short libFuzzer run of every target (unoptimised; after the images, whose release build it links against).
    "Tests/Fuzz/libfuzzer-smoke.sh"
    "JitsudoStoreIntegrationTests"
    "JitsudoServerIntegrationTests"
    "Tests/ConsoleBrowserTests/console_browser_test.py"
    "Tests/DevWalkthroughTests/dev-walkthrough-test.sh"
    "JitsudoAuthTests|JitsudoTLSTests"
    "JitsudoNotifyTests"
    "JitsudoCLITests"
    "KubernetesIntegrationTests"
    "AzureClientTests|AzureIntegrationTests"
    "AWSSigV4Tests|JitsudoAWSProviderTests|AWSIntegrationTests"
    "GCPIntegrationTests"
    "OperatorIntegrationTests"
    "JitsudoHATests"
    "Tests/APIContractTests/api-contract-tests.sh"
    # The runbook drills on one local cluster installed with helm on this test bed (ops/drills/run.sh, ops/cluster.sh).
    "ops/drills/run.sh@360"
    # Last: no secret the in-process suites' daemons held in their logs, error bodies or metrics (LeakCapture).
    "scripts/scan-test-leaks.sh"
)
passed=0
failed=0
status=0
log=$(mktemp)
# Where the in-process daemons of every group record what scripts/scan-test-leaks.sh scans (JitsudoServerTesting).
JITSUDO_TEST_LEAK_CAPTURE=$(mktemp -d /tmp/jitsudo-leak-capture.XXXXXX)
export JITSUDO_TEST_LEAK_CAPTURE
trap 'rm -rf "$JITSUDO_TEST_LEAK_CAPTURE"' EXIT
timings=()
for entry in "${groups[@]}"; do
    group_started=$SECONDS
    # "<group>@<seconds>" gives a group its own time limit.
    group=${entry%@*}
    limit=$default_limit
    [[ "$entry" == *@* ]] && limit=${entry##*@}
    if [[ "$group" == */* ]]; then echo "=== $group"; else echo "=== swift test --filter '$group'"; fi
    for attempt in $(seq 1 "$attempts"); do
        if [[ "$group" == */* ]]; then command=("$group"); else command=(swift test --skip-build --filter "$group"); fi
        timeout --kill-after=10 "$limit" "${command[@]}" >"$log" 2>&1
        rc=$?
        # Leftovers of this checkout's run only (another checkout may be testing on the same machine).
        pkill -9 -f "^$PWD/\.build/.*jitsudoPackageTests\.xctest.*--filter ${group//|/\\|}( |$)" 2>/dev/null || true
        if [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ]; then break; fi
        echo "!!! group '$group' hung (attempt $attempt of $attempts, no result within ${limit}s)" >&2
    done
    cat "$log"
    summary=$(grep -E "Test run with [0-9]+ test" "$log" | tail -1)
    total=$(echo "$summary" | sed -nE 's/.*Test run with ([0-9]+) test.*/\1/p')
    bad=$(grep -E "^✘ Test .* failed after" "$log" | grep -vcE "^✘ Test run with" || true)
    if [ "$rc" -ne 0 ] || [ -z "$total" ]; then
        status=1
        if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then echo "!!! group '$group' exceeded ${limit}s and was stopped" >&2; fi
        [ "$bad" -eq 0 ] && bad=1
    fi
    total=${total:-0}
    passed=$((passed + total - bad))
    failed=$((failed + bad))
    timings+=("$((SECONDS - group_started)) s  $group")
done
rm -f "$log"
echo
echo "time per group, longest first (CI has 90 minutes for all of make test):"
printf '%s\n' "${timings[@]}" | sort -rn | sed 's/^/  /'
echo
echo "$passed passed, $failed failed"
exit $status
