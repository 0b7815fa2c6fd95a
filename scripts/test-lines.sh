# shellcheck shell=bash
# The lines of swift-testing's output that scripts/run-tests.sh counts ("✔ Test name() passed after", "✘ Test name()
# failed after", "Test run with N tests"), for the test scripts it runs: source this file, then
#   test_passed NAME SECONDS     test_failed NAME SECONDS
#   test_run_line RAN FAILED SECONDS   (the run's line; returns 1 when any failed)
#   test_run_summary PASSED FAILED SECONDS   (the run's line, then "N passed, M failed"; returns 1 when any failed)

test_passed() { echo "✔ Test $1() passed after $2 seconds."; }

test_failed() { echo "✘ Test $1() failed after $2 seconds."; }

test_run_line() {
    if [ "$2" -eq 0 ]; then
        echo "✔ Test run with $1 tests passed after $3 seconds."
    else
        echo "✘ Test run with $1 tests failed after $3 seconds with $2 issues."
        return 1
    fi
}

test_run_summary() {
    local status=0
    test_run_line "$(($1 + $2))" "$2" "$3" || status=1
    echo
    echo "$1 passed, $2 failed"
    return "$status"
}
