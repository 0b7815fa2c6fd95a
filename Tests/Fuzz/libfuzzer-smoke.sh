#!/usr/bin/env bash
# The short libFuzzer run of `make test`: every target of scripts/libfuzzer.sh (rego, inputs, jws, audit, config),
# compiled without optimisation (seconds, not minutes), replays every input that ever crashed it
# (Tests/Fuzz/Regressions/<target>/) and its corpus, then fuzzes for FUZZ_SMOKE_SECONDS (default 10). `make fuzz`
# runs the optimised targets for longer. Prints swift-testing's lines for scripts/run-tests.sh, and each target's
# executions/s and coverage.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
seconds=${FUZZ_SMOKE_SECONDS:-10}
passed=0
failed=0
started=$SECONDS
for target in rego inputs jws audit config; do
    begun=$SECONDS
    if summary=$(FUZZ_OPTIMIZATION=-Onone scripts/libfuzzer.sh "$target" "$seconds" 2>.build/fuzz-smoke-"$target".log); then
        echo "    $summary"
        echo "✔ Test libfuzzer_$target() passed after $((SECONDS - begun)) seconds."
        passed=$((passed + 1))
    else
        tail -30 .build/fuzz-smoke-"$target".log
        echo "✘ Test libfuzzer_$target() failed after $((SECONDS - begun)) seconds."
        failed=$((failed + 1))
    fi
done
total=$((passed + failed))
if [ "$failed" -eq 0 ]; then
    echo "✔ Test run with $total tests passed after $((SECONDS - started)) seconds."
else
    echo "✘ Test run with $total tests failed after $((SECONDS - started)) seconds with $failed issues."
fi
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
