#!/usr/bin/env bash
# Drill for runbook 4 (ops/runbooks/4-break-glass.md): a break-glass request is ACTIVE at once, without approval; a
# high-priority alert reaches the (local, Slack-compatible) webhook; the audit log records break_glass: true; the
# grant is revoked after the incident. The AWS provider runs against moto; YOUR_ACCOUNT_ID is moto's 123456789012.
# The runbook commands are single-quoted on purpose: they run as written, through step.
# shellcheck disable=SC2016
# shellcheck source=ops/drills/lib.sh
. "$(dirname "$0")/lib.sh"

# The placeholder of the seed, filled in: moto's account.
export YOUR_ACCOUNT_ID=123456789012
oncall="drill4-$run_id@example.com"
alerts_before=$(wc -l <"$JITSUDO_SLACK_LOG" 2>/dev/null || echo 0)
as "$oncall" sre
# 2. If no approver is reachable within your SLA window, invoke break-glass
step "2. invoke break-glass" 'jitsudo request \
--provider aws \
--role prod-infra-admin \
--scope $YOUR_ACCOUNT_ID \
--duration 2h \
--reason "P0 ECS crash - INC-4421. No approvers reachable. Break-glass invoked per runbook." \
--break-glass'
# 3. This triggers: Immediate ACTIVE grant (no approval needed)
expect "State: +ACTIVE"
id=$(sed -nE 's/^Request ID: +(req_[A-Za-z0-9]+).*/\1/p' <<<"$out")
[ -n "$id" ] || fail "no request id in the output"
step "3. the grant is ACTIVE with no approval" "jitsudo status $id --output json"
expect '"state" ?: "ACTIVE"'
expect '"break_glass" ?: true'
# - High-priority Slack alert to ALL configured channels
eventually 30 "3. a high-priority alert reached the Slack webhook" \
    "tail -n +$((alerts_before + 1)) \"\$JITSUDO_SLACK_LOG\" | grep -F '$id' | grep -F 'BREAK-GLASS'"
# - Audit log entry with break_glass: true
step "3. the audit log records break_glass: true" "jitsudo audit --request $id --output json"
export audit=$out
step "3. … in the details of the event that created the request" \
    "jq -r '.[] | select(.details_json | fromjson | .break_glass == true) | .action' <<<\"\$audit\""
expect "^request"
# 4. After the incident is resolved, revoke the grant
step "4. revoke the grant" "jitsudo revoke $id"
expect "Request $id → REVOKED"
step "4. the grant is REVOKED" "jitsudo status $id --output json"
expect '"state" ?: "REVOKED"'
drill_passed "runbook 4: break-glass $id ACTIVE without approval, Slack alert, audited break_glass: true, revoked"
