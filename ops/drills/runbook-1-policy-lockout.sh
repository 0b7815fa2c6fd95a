#!/usr/bin/env bash
# Drill for runbook 1 (ops/runbooks/1-policy-lockout.md): a broken eligibility policy locks every user out; option A
# (`policy update --enabled false` + `server reload-policies`) restores access; the lock-out again, then option B (psql
# + `kubectl rollout restart deployment/jitsudod`, re-apply the correct policy, re-enable) restores it too.
# The runbook commands are single-quoted on purpose: they run as written, through step.
# shellcheck disable=SC2016
# shellcheck source=ops/drills/lib.sh
. "$(dirname "$0")/lib.sh"

cat >broken-policy.rego <<'EOF'
package jitsudo.eligibility

# Meant to close access outside office hours; as written it conflicts with every allow and denies everyone.
allow := false
EOF
cp "$ops_root/ops/cluster/eligibility.rego" correct-eligibility.rego
sed -i '/^default allow/d' correct-eligibility.rego

eval_command='jitsudo policy eval \
--type eligibility \
--input '"'"'{"user":{"email":"admin@example.com","groups":["sre"]},"request":{"provider":"aws","role":"prod-infra-admin","resource_scope":"123456789012","duration_seconds":3600}}'"'"''

# A member of sre asks for a grant: refused while locked out, accepted once access is restored.
user_request() {
    as "drill1-$run_id@example.com" sre
    jitsudo request --provider mock --role drill1 --scope dev --duration 10m --reason "drill 1" -q
}
locked_out() {
    if user_request; then echo "a member of sre could still request: not locked out"; return 1; fi
    return 0
}

cleanup() {
    as admin@example.com sre
    jitsudo policy delete broken-policy
    jitsudo policy delete correct-eligibility
    psql "$DATABASE_URL" -c "UPDATE policies SET enabled = true WHERE name = 'sre-eligibility'"
}
as admin@example.com sre
step "setup: the broken policy is applied (the change that locks everyone out)" \
    'jitsudo policy apply -f broken-policy.rego --type eligibility'
eventually 30 "symptom: every request returns not authorized" 'locked_out'

as admin@example.com sre
# 1. Identify the broken policy
step "1. identify the broken policy" 'jitsudo policy list'
expect "broken-policy"
# 2. Option A: Disable the broken policy
step "2A. disable the broken policy" 'jitsudo policy update --name broken-policy --enabled false'
expect "enabled: false"
step "2A. reload the policies" 'jitsudo server reload-policies'
expect "Policy engine reloaded"
# 3. Verify access is restored
step "3. verify access is restored (policy eval)" "$eval_command"
expect "allowed: true"
eventually 30 "3. a member of sre can request again" 'user_request'

# The lock-out again, for option B.
as admin@example.com sre
step "setup: the broken policy enabled again" 'jitsudo policy update --name broken-policy --enabled true'
eventually 30 "symptom again: locked out" 'locked_out'

# 4. Option B: Direct database update (last resort)
step "4B. psql: disable every eligibility policy" 'psql "$DATABASE_URL" << '"'"'EOF'"'"'
UPDATE policies SET enabled = false WHERE type = '"'"'ELIGIBILITY'"'"';
EOF'
expect "^UPDATE [1-9]"
# Ours: jitsudod reloads on NOTIFY jitsudo_policies, no restart needed — with every eligibility policy disabled the
# eval answers "not allowed" at once (no policy = deny).
as admin@example.com sre
eventually 20 "4B (ours). the running replicas already see the change" "$eval_command | grep -q 'allowed: false'"
# 5. Restart jitsudod to pick up the change
step "5. rollout restart" 'kubectl rollout restart deployment/jitsudod'
expect "deployment.apps/jitsudod restarted"
wait_ready
# 6. Re-apply the correct policy via CLI
as admin@example.com sre
step "6. re-apply the correct policy" 'jitsudo policy apply -f correct-eligibility.rego --type eligibility'
expect "Policy correct-eligibility \(eligibility\) applied"
# Step 7 as written re-enables EVERY eligibility policy, the broken one included: delete (or fix) it first.
step "6 (adapted). delete the broken policy before re-enabling the rest" 'jitsudo policy delete broken-policy'
# 7. Re-enable remaining policies
step "7. psql: re-enable the remaining policies" 'psql "$DATABASE_URL" << '"'"'EOF'"'"'
UPDATE policies SET enabled = true WHERE type = '"'"'ELIGIBILITY'"'"';
EOF'
expect "^UPDATE [1-9]"
step "3. verify access is restored (policy eval)" "$eval_command"
expect "allowed: true"
eventually 30 "3. a member of sre can request again" 'user_request'
as admin@example.com sre
step "cleanup: the correct policy is the cluster's own (sre-eligibility) again" 'jitsudo policy delete correct-eligibility'
drill_passed "runbook 1: locked out by broken-policy; restored by option A and by option B"
