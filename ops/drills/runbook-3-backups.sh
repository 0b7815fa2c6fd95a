#!/usr/bin/env bash
# Drill for the backups runbook 3 assumes (ops/runbooks/3-database-restore.md, "Backups"): ops/backup.sh without
# Kubernetes (file name, retention); the chart's CronJob jitsudo-backup writing yesterday's backup-YYYY-MM-DD.sql.gz to
# the claim (its Job template run with BACKUP_DAY=yesterday), restored through the operator (JitsudoRestore); a failing
# run fails its Job, visible as a Kubernetes Event, and leaves no file.
# The runbook commands are single-quoted on purpose: they run as written, through step.
# shellcheck disable=SC2016
# shellcheck source=ops/drills/lib.sh
. "$(dirname "$0")/lib.sh"

owner_url="postgres://postgres@127.0.0.1:$PGPORT/jitsudo?sslmode=disable"
yesterday=$(date -u -d yesterday +%F)
export owner_url yesterday

# Without Kubernetes: nine older daily files, retention 7 → today's and the six newest older ones remain.
mkdir backups
for day in 01 02 03 04 05 06 07 08 09; do echo old | gzip >"backups/backup-2026-01-$day.sql.gz"; done
step "ops/backup.sh (no Kubernetes)" 'DATABASE_URL=$owner_url BACKUP_RETENTION=7 "$ops_root/ops/backup.sh" backups'
expect "removed 3 older than the newest 7"
step "ops/backup.sh: the newest 7 daily files remain" 'ls backups'
expect "backup-$(date -u +%F).sql.gz"
expect_not "backup-2026-01-0[123]"
[ "$(find backups -name "backup-*" | wc -l)" -eq 7 ] || fail "expected 7 files, found: $out"
step "ops/backup.sh: a plain SQL dump of the audit log" 'gunzip -c backups/backup-$(date -u +%F).sql.gz | grep -c "^COPY public.audit_events"'
expect "^1$"

# The chart's CronJob.
step "the CronJob exists" 'kubectl get cronjob jitsudo-backup'
expect "jitsudo-backup +15 2 \* \* \*"
job_from_cronjob() { # name env-json: a Job from the CronJob's template (what `kubectl create job --from=cronjob/…` does)
    kubectl get cronjob jitsudo-backup -o json | jq --arg name "$1" --argjson env "$2" '{
        apiVersion: "batch/v1", kind: "Job",
        metadata: {name: $name, labels: .spec.jobTemplate.metadata.labels},
        spec: (.spec.jobTemplate.spec | .template.spec.containers[0].env += $env)}' | kubectl create -f -
}
job="backup-drill-$run_id"
step "yesterday's run of the CronJob's Job" 'job_from_cronjob "$job" "[{\"name\":\"BACKUP_DAY\",\"value\":\"$yesterday\"}]"'
eventually 120 "the backup Job completes" "kubectl get job $job -o jsonpath='{.status.succeeded}' | grep -qx 1"
step "backup-$yesterday.sql.gz on the claim" 'ls -l "$JITSUDO_VOLUME_ROOT/jitsudo-backups/backup-$yesterday.sql.gz"'
as admin@example.com sre
step "a request after the backup" 'jitsudo request --provider mock --role drill3b-after-'"$run_id"' --scope dev --reason "drill 3b" -q'
after=$out
restore="drill3b-$run_id"
step "restore yesterday's backup through the operator" 'kubectl apply -f - <<EOF
apiVersion: jitsudo.dev/v1alpha1
kind: JitsudoRestore
metadata: {name: $restore}
spec:
  source: {file: {persistentVolumeClaimName: jitsudo-backups, path: backup-$yesterday.sql.gz}}
  database: {adminSecretRef: {name: pg-admin}}
EOF'
eventually 180 "the JitsudoRestore completes" "kubectl get jitsudorestore $restore -o jsonpath='{.status.phase}' | grep -qx Completed"
wait_ready
step_may_fail "the request made after the backup is gone" "jitsudo status $after"
[ "$rc" -ne 0 ] || fail "the request $after made after the backup is still there"
psql -U postgres -qc "DROP DATABASE IF EXISTS $(kubectl get jitsudorestore "$restore" -o jsonpath='{.status.oldDatabaseName}') WITH (FORCE)" >/dev/null

# A failing run: the database URL points at a closed port.
export closed
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
failing="backup-fail-$run_id"
step "a run that cannot reach the database" 'job_from_cronjob "$failing" "[{\"name\":\"DATABASE_URL\",\"value\":\"postgres://postgres@127.0.0.1:$closed/jitsudo\"},{\"name\":\"BACKUP_DAY\",\"value\":\"2000-01-01\"}]"'
eventually 120 "the Job fails" "kubectl get job $failing -o jsonpath='{.status.conditions[?(@.type==\"Failed\")].status}' | grep -qx True"
eventually 30 "the failure is a Kubernetes Event" "kubectl get events --field-selector involvedObject.name=$failing -o jsonpath='{.items[*].reason}' | grep -q BackoffLimitExceeded"
step "the failed run left no backup file" 'ls -A "$JITSUDO_VOLUME_ROOT/jitsudo-backups/"'
expect_not "2000-01-01"
drill_passed "backups: ops/backup.sh with retention; the CronJob's backup-$yesterday.sql.gz restored by a JitsudoRestore; a failed run is an Event"
