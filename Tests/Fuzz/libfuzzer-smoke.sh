#!/usr/bin/env bash
# The short libFuzzer run of `make test`: every target of scripts/libfuzzer.sh (rego, inputs, jws, audit, config),
# compiled without optimisation (seconds, not minutes), replays every input that ever crashed it
# (Tests/Fuzz/Regressions/<target>/) and its corpus, then fuzzes for FUZZ_SMOKE_SECONDS (default 10). `make fuzz`
# runs the optimised targets for longer. Prints swift-testing's lines for scripts/run-tests.sh, and each target's
# executions/s and coverage.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=scripts/test-lines.sh
source scripts/test-lines.sh
seconds=${FUZZ_SMOKE_SECONDS:-10}
passed=0
failed=0
started=$SECONDS
for target in rego inputs jws audit config; do
    begun=$SECONDS
    if summary=$(FUZZ_OPTIMIZATION=-Onone scripts/libfuzzer.sh "$target" "$seconds" 2>.build/fuzz-smoke-"$target".log); then
        echo "    $summary"
        test_passed "libfuzzer_$target" "$((SECONDS - begun))"
        passed=$((passed + 1))
    else
        tail -30 .build/fuzz-smoke-"$target".log
        test_failed "libfuzzer_$target" "$((SECONDS - begun))"
        failed=$((failed + 1))
    fi
done
test_run_summary "$passed" "$failed" "$((SECONDS - started))"
