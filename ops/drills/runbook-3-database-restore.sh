#!/usr/bin/env bash
# Drill for runbook 3 (ops/runbooks/3-database-restore.md): a gzip'd pg_dump restored by the seed's commands as
# written (scale to 0, wait, drop/create jitsudo_restore, gunzip | psql, counts, `jitsudo audit verify` → "Chain intact:
# N events verified", the renames, scale back, health); then the same restore through a JitsudoRestore; a tampered
# backup is refused by both (audit verify exits 3; the JitsudoRestore fails at Verifying, the live database untouched).
# The runbook commands are single-quoted on purpose: they run as written, through step.
# shellcheck disable=SC2016
# shellcheck source=ops/drills/lib.sh
. "$(dirname "$0")/lib.sh"

cleanup() {
    kubectl scale deployment jitsudod --replicas=2
    psql -U postgres -c "DROP DATABASE IF EXISTS jitsudo_restore WITH (FORCE);"
}
owner() { psql -X -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
as admin@example.com sre
wait_ready
step "setup: no jitsudo_old from an earlier run" 'owner -c "DROP DATABASE IF EXISTS jitsudo_old WITH (FORCE);"'
# A request before the backup (kept by the restore) and one after it (gone after the restore).
step "setup: a request before the backup" 'jitsudo request --provider mock --role drill3-before-'"$run_id"' --scope dev --reason "drill 3" -q'
before=$out
step "setup: the backup (pg_dump | gzip, as the CronJob makes it)" \
    'pg_dump -U postgres --no-owner jitsudo | gzip >backup-2026-03-21.sql.gz && ls -l backup-2026-03-21.sql.gz'
step "setup: a request after the backup" 'jitsudo request --provider mock --role drill3-after-'"$run_id"' --scope dev --reason "drill 3" -q'
after=$out
events_at_backup=$(gunzip -c backup-2026-03-21.sql.gz | awk '/^COPY public.audit_events /{on=1; next} on && /^\\\.$/{on=0} on' | wc -l)

# 1. Stop jitsudod to prevent writes during restore
step "1. scale to 0" 'kubectl scale deployment jitsudod --replicas=0'
expect "deployment.apps/jitsudod scaled"
step "1. wait for all pods to terminate" 'kubectl wait --for=delete pod -l app=jitsudod --timeout=60s'
# 2. Create a fresh database (if needed)
step "2. drop jitsudo_restore" 'psql -U postgres -c "DROP DATABASE IF EXISTS jitsudo_restore;"'
step "2. create jitsudo_restore" 'psql -U postgres -c "CREATE DATABASE jitsudo_restore;"'
expect "CREATE DATABASE"
# 3. Restore from backup
step "3. restore the backup" 'gunzip -c backup-2026-03-21.sql.gz \
| psql -U postgres jitsudo_restore'
expect_not "ERROR"
# 4. Verify the restore
step "4. count audit events" 'psql -U postgres jitsudo_restore -c "SELECT COUNT(*) FROM audit_events;"'
expect "^ +$events_at_backup$"
step "4. count requests" 'psql -U postgres jitsudo_restore -c "SELECT COUNT(*) FROM requests;"'
# 5. Verify audit log hash chain integrity on the restored data
port_note=""
[ "$PGPORT" = 5432 ] || port_note=" (PostgreSQL is on $PGPORT here: 5432 was taken)"
step "5. audit verify on the restored data$port_note" '(
export DATABASE_URL="postgres://jitsudo_app:${DB_PASSWORD}@localhost:5432/jitsudo_restore"
[ "$PGPORT" = 5432 ] || DATABASE_URL=${DATABASE_URL/:5432\//:$PGPORT\/}
jitsudo audit verify
)'
expect "^Chain intact: $events_at_backup events verified$"
# 6. If chain is intact, swap databases
step "6. rename jitsudo → jitsudo_old" 'psql -U postgres -c "ALTER DATABASE jitsudo RENAME TO jitsudo_old;"'
expect "ALTER DATABASE"
step "6. rename jitsudo_restore → jitsudo" 'psql -U postgres -c "ALTER DATABASE jitsudo_restore RENAME TO jitsudo;"'
expect "ALTER DATABASE"
# 7. Restart jitsudod
step "7. scale back" 'kubectl scale deployment jitsudod --replicas=2'
# 8. Verify jitsudod health
wait_ready
step "8. pods" 'kubectl get pods -l app=jitsudod'
expect "jitsudod-.* +1/1 +Running"
step "8. health" 'curl https://jitsudo.internal/healthz'
step "8. the request made before the backup is there" "jitsudo status $before --output json"
expect "\"id\" ?: \"$before\""
step_may_fail "8. the request made after the backup is gone" "jitsudo status $after"
[ "$rc" -ne 0 ] || fail "the request $after made after the backup is still there"
step "cleanup: drop jitsudo_old" 'owner -c "DROP DATABASE IF EXISTS jitsudo_old WITH (FORCE);"'

# The same restore by the operator: a JitsudoRestore of the backup on the claim jitsudo-backups.
name="drill3-$run_id"
step "setup: the backup on the claim jitsudo-backups" 'cp backup-2026-03-21.sql.gz "$JITSUDO_VOLUME_ROOT/jitsudo-backups/$name.sql.gz"'
step "setup: another request after the backup" 'jitsudo request --provider mock --role drill3-after2-'"$run_id"' --scope dev --reason "drill 3" -q'
after2=$out
restore() { # name file
    kubectl apply -f - <<EOF
apiVersion: jitsudo.dev/v1alpha1
kind: JitsudoRestore
metadata: {name: $1}
spec:
  source: {file: {persistentVolumeClaimName: jitsudo-backups, path: $2}}
  database: {adminSecretRef: {name: pg-admin}}
EOF
}
step "JitsudoRestore: create" 'restore "$name" "$name.sql.gz"'
eventually 180 "JitsudoRestore: Completed" \
    "test \"\$(kubectl get jitsudorestore $name -o jsonpath='{.status.phase}')\" = Completed"
step "JitsudoRestore: its status" "kubectl get jitsudorestore $name -o jsonpath='{.status.verifiedEvents} {.status.oldDatabaseName}'"
expect "^$events_at_backup jitsudo_old_"
wait_ready
step "JitsudoRestore: the request before the backup is there" "jitsudo status $before --output json"
step_may_fail "JitsudoRestore: the request after the backup is gone" "jitsudo status $after2"
[ "$rc" -ne 0 ] || fail "the request $after2 made after the backup is still there"

# A tampered backup: one audit event's outcome changed in the dump.
step "setup: a tampered copy of the backup" 'gunzip -c backup-2026-03-21.sql.gz \
| awk '"'"'/^COPY public.audit_events /{on=1; print; next} on && !done && /\tsuccess\t/ {sub(/\tsuccess\t/, "\tfailure\t"); done=1} {print}'"'"' \
| gzip >tampered.sql.gz && { gunzip -c tampered.sql.gz | diff <(gunzip -c backup-2026-03-21.sql.gz) - || true; } | grep -c "^>"'
expect "^1$"
step "tampered: drop and create jitsudo_restore" 'psql -U postgres -c "DROP DATABASE IF EXISTS jitsudo_restore;" -c "CREATE DATABASE jitsudo_restore;"'
step "tampered: restore" 'gunzip -c tampered.sql.gz | psql -U postgres jitsudo_restore'
step_may_fail "tampered: audit verify refuses it" 'DATABASE_URL="postgres://jitsudo_app:${DB_PASSWORD}@localhost:$PGPORT/jitsudo_restore" jitsudo audit verify'
[ "$rc" -eq 3 ] || fail "audit verify of the tampered restore exited $rc, not 3 (chain broken)"
expect "Chain broken"
step "tampered: the JitsudoRestore of it" 'cp tampered.sql.gz "$JITSUDO_VOLUME_ROOT/jitsudo-backups/$name-tampered.sql.gz" && restore "$name-tampered" "$name-tampered.sql.gz"'
eventually 180 "tampered: the JitsudoRestore fails at Verifying" \
    "kubectl get jitsudorestore $name-tampered -o jsonpath='{.status.phase} {.status.failedPhase} {.status.firstBrokenEvent}' | grep -E '^Failed Verifying [0-9]+'"
wait_ready
step "tampered: the live database is untouched" "jitsudo status $before --output json"
drill_passed "runbook 3: restored by the runbook's commands and by a JitsudoRestore; a tampered backup refused by both"
