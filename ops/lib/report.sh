# shellcheck shell=bash
# Test-report lines in swift-testing's format, so scripts/run-tests.sh counts ops/ checks and drills like a Swift
# group: "✔ Test name() passed after S seconds.", "✘ Test name() failed after S seconds.", and one
# "Test run with N tests …" line at the end (report_summary). Sourced, not run.

report_ran=0
report_failed=0
report_started=$SECONDS

# report_case NAME COMMAND...: runs COMMAND with its output captured; on failure prints the output (which names the
# failing step) and the failure line.
report_case() {
    local name=$1 begin=$SECONDS output rc
    shift
    report_ran=$((report_ran + 1))
    output=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -eq 0 ]; then
        echo "✔ Test $name() passed after $((SECONDS - begin)) seconds."
    else
        report_failed=$((report_failed + 1))
        printf '%s\n' "$output" | sed 's/^/    /'
        echo "✘ Test $name() failed after $((SECONDS - begin)) seconds."
    fi
    return 0
}

# report_summary: the closing line; returns 1 when a case failed.
report_summary() {
    if [ "$report_failed" -eq 0 ]; then
        echo "✔ Test run with $report_ran tests passed after $((SECONDS - report_started)) seconds."
    else
        echo "✘ Test run with $report_ran tests failed after $((SECONDS - report_started)) seconds with $report_failed issues."
        return 1
    fi
}
