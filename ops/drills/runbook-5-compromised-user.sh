#!/usr/bin/env bash
# Drill for runbook 5 (ops/runbooks/5-compromised-user.md): every active grant of a compromised user revoked, by the
# seed's `jq | xargs` loop and by `jitsudo revoke --user`; the active list is then empty and the audit log shows the
# user's requests and the revocations.
# The runbook commands are single-quoted on purpose: they run as written, through step.
# shellcheck disable=SC2016
# shellcheck source=ops/drills/lib.sh
. "$(dirname "$0")/lib.sh"

user=compromised-user@example.com
# Two ACTIVE grants of the user, approved by another member of sre.
grant() {
    local id
    as "$user" sre
    id=$(jitsudo request --provider mock --role "drill5-$1-$run_id" --scope dev --duration 1h --reason "drill 5" -q) || return 1
    as approver@example.com sre
    jitsudo approve "$id" --comment "drill 5" >/dev/null || return 1
    echo "$id"
}
step "setup: two active grants of $user" 'first=$(grant a) && second=$(grant b) && echo "$first $second"'
read -r first second <<<"$out"

as admin@example.com sre
# 2. Find all active grants for the user
step "2. find the active grants" 'jitsudo status \
--user compromised-user@example.com \
--state active'
expect "$first"
expect "$second"

# 3. Or use xargs for automation
step "3. revoke each (jq | xargs)" 'jitsudo status \
--user compromised-user@example.com \
--state active \
--output json \
| jq -r '"'"'.[].id'"'"' \
| xargs -I{} jitsudo revoke {}'
expect "Request $first → REVOKED"
expect "Request $second → REVOKED"

# 4. Verify all grants are revoked — Should return empty list
step "4. the active list is empty" 'jitsudo status --user compromised-user@example.com --state active'
expect "^No requests found\.$"

# Ours: one call revokes every active grant of the user.
step "setup: two more active grants" 'third=$(grant c) && fourth=$(grant d) && echo "$third $fourth"'
read -r third fourth <<<"$out"
as admin@example.com sre
step "3 (ours). jitsudo revoke --user" 'jitsudo revoke --user compromised-user@example.com --reason "drill 5: credentials compromised"'
expect "Request $third → REVOKED"
expect "Request $fourth → REVOKED"
expect "Revoked 2 grants of compromised-user@example.com"
step "4. the active list is empty again" 'jitsudo status --user compromised-user@example.com --state active'
expect "^No requests found\.$"
step "4. as JSON: []" 'jitsudo status --user compromised-user@example.com --state active --output json'
expect '^\[\]$'

# 5. Review the audit log for the user
step "5. the user's audit log" 'jitsudo audit --user compromised-user@example.com --since 7d'
expect "request.created"
expect "$first"
step "5. the revocations are audited" 'jitsudo audit --request '"$fourth"' --output json'
expect '"action" : "grant.revoked"'
drill_passed "runbook 5: all active grants of $user revoked (xargs loop and revoke --user), list empty, audited"
