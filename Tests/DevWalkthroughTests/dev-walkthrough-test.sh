#!/usr/bin/env bash
# The first run as a newcomer has it: `jitsudod dev` (what `make dev` runs) against the test PostgreSQL, then every
# command of the walkthrough it prints, run as printed, one by one, in one shell (REQ carries the request id). Each
# command must succeed; at the end the request went PENDING → ACTIVE (approved by a second person) → REVOKED and the
# printed audit shows it. Also: the printed web console URL answers. Prints swift-testing's lines (scripts/run-tests.sh).
# Needs JITSUDO_TEST_DATABASE_URL (scripts/with-test-postgres.sh) and a debug build.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(cd "$root" && swift build --show-bin-path)
work=$(mktemp -d /tmp/jitsudo-dev-walkthrough.XXXXXX)
ran=0
failed=0
pass() { ran=$((ran + 1)); echo "✔ Test $1 passed after 0.000 seconds."; }
fail() { ran=$((ran + 1)); failed=$((failed + 1)); echo "✘ Test $1 failed after 0.000 seconds."; }
finish() {
    [ -n "${dev_pid:-}" ] && kill -INT "$dev_pid" 2>/dev/null && wait "$dev_pid" 2>/dev/null
    rm -rf "$work"
    elapsed=$SECONDS
    if [ "$failed" -eq 0 ] && [ "$ran" -gt 0 ]; then
        echo "✔ Test run with $ran tests passed after $elapsed seconds."
        exit 0
    fi
    echo "✘ Test run with $ran tests failed after $elapsed seconds with $failed issues."
    exit 1
}
trap finish EXIT

: "${JITSUDO_TEST_DATABASE_URL:?run under scripts/with-test-postgres.sh}"
database="dev_walkthrough_$$"
psql "$JITSUDO_TEST_DATABASE_URL" -q -c "CREATE DATABASE $database" >/dev/null || { fail "createDatabase()"; exit 1; }
url="${JITSUDO_TEST_DATABASE_URL%/*}/$database"
# The test cluster's URL may carry a query (…/postgres?sslmode=disable): keep it after the new database name.
case "$JITSUDO_TEST_DATABASE_URL" in *\?*) url="${JITSUDO_TEST_DATABASE_URL%%/postgres\?*}/$database?${JITSUDO_TEST_DATABASE_URL#*\?}" ;; esac

"$bin/jitsudod" dev --port 0 --data-dir "$work/dev" --database-url "$url" >"$work/banner" 2>"$work/stderr" &
dev_pid=$!
for _ in $(seq 1 600); do
    grep -q "^Ctrl-C stops" "$work/banner" 2>/dev/null && break
    kill -0 "$dev_pid" 2>/dev/null || break
    sleep 0.1
done
if ! grep -q "^Ctrl-C stops" "$work/banner"; then
    fail "jitsudodDevPrintsItsBanner()"
    cat "$work/banner" "$work/stderr"
    exit 1
fi
pass "jitsudodDevPrintsItsBanner()"

console=$(sed -nE 's/^  Web console: +([^ ]+).*/\1/p' "$work/banner")
if curl -fsS "$console" | grep -q "/ui/login"; then pass "thePrintedWebConsoleURLAnswers()"; else fail "thePrintedWebConsoleURLAnswers()"; fi

# The console signs in with the development issuer: /ui/login → its user picker (pick carol) → /ui/callback → a session.
signed_in=false
authorize=$(curl -sS -o /dev/null -w '%{redirect_url}' "${console}login")
if [[ "$authorize" == */dev-oidc/authorize\?* ]]; then
    callback=$(curl -sS -o /dev/null -w '%{redirect_url}' --data "${authorize#*\?}&email=carol%40example.com" "${authorize%%\?*}")
    cookie=$(curl -sS -D - -o /dev/null "$callback" | tr -d '\r' | sed -nE 's/^[Ss]et-[Cc]ookie: (jitsudo_session=[^;]+);.*HttpOnly; Secure; SameSite=Strict$/\1/p')
    [ -n "$cookie" ] && curl -sS -H "Cookie: $cookie" "$console" | grep -q "carol@example.com" && signed_in=true
fi
if $signed_in; then pass "theConsoleSignsInWithTheDevelopmentIssuersUserPicker()"; else fail "theConsoleSignsInWithTheDevelopmentIssuersUserPicker()"; fi

# The commands: the indented lines after the walkthrough heading, up to the blank line.
sed -n '/^Walk through it/,/^$/p' "$work/banner" | sed -n 's/^  //p' >"$work/commands"
[ -s "$work/commands" ] || { fail "theBannerPrintsAWalkthrough()"; cat "$work/banner"; exit 1; }
output="$work/output"
number=0
while IFS= read -r command; do
    number=$((number + 1))
    echo "\$ $command"
    if eval "$command" >"$output" 2>&1; then
        cat "$output"
        pass "walkthroughCommand${number}()"
    else
        cat "$output"
        fail "walkthroughCommand${number}()"
        break
    fi
done <"$work/commands"

# What the last command (the audit) printed tells the whole story.
if grep -q "request.approved" "$output" && grep -q "grant.issued" "$output" && grep -q "grant.revoked" "$output" \
    && grep -q "bob@example.com" "$output"; then
    pass "theWalkthroughEndsApprovedByASecondPersonIssuedAndRevoked()"
else
    fail "theWalkthroughEndsApprovedByASecondPersonIssuedAndRevoked()"
fi
