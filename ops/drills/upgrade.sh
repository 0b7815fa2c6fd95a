#!/usr/bin/env bash
# Drill for an operator-driven upgrade (ops/README.md, "Upgrades"): changing JitsudoCluster.spec.image first runs the
# backup Job (pg_dump | gzip to pre-upgrade-<digest>.sql.gz on the backup claim: the chart sets spec.upgrade from its
# backup values) and then `jitsudod migrate` of the new image in a Job, both completed before the Deployment's new
# ReplicaSet exists; then it rolls the jitsudod pods with maxUnavailable 0 (a new pod ready before an old one stops) while a client polling /healthz through
# jitsudo.internal sees no failed request; every pod ends on the new image; the cluster is Ready again. (The held
# rollout — new pods never ready → Degraded/RolloutStuck, old pods serving — is proven by OperatorCoreTests: the test
# bed's progress deadline is 180 s.)
# The commands are single-quoted on purpose: they run through step.
# shellcheck disable=SC2016
# shellcheck source=ops/drills/lib.sh
. "$(dirname "$0")/lib.sh"

old_image=$(kubectl get jitsudocluster jitsudod -o jsonpath='{.spec.image}')
new_image="localhost/jitsudod:upgrade-$run_id"
export old_image new_image
cleanup() {
    [ -n "${poller:-}" ] && kill "$poller"
    kubectl patch jitsudocluster jitsudod --type merge -p "{\"spec\":{\"image\":\"$old_image\"}}"
    # Going back is an upgrade too (backup, migration, rollout): the next drill starts on the old image, rolled out.
    local deadline=$((SECONDS + 120))
    while [ $SECONDS -lt $deadline ]; do
        [ "$(kubectl get pods -l app=jitsudod -o jsonpath='{range .items[*]}{.spec.containers[0].image}{"\n"}{end}' | sort -u)" = "$old_image" ] \
            && kubectl rollout status deployment/jitsudod --timeout=5s && break
        sleep 1
    done
}
wait_ready
step "the Deployment's strategy" "kubectl get deployment jitsudod -o jsonpath='{.spec.strategy.rollingUpdate.maxUnavailable} {.spec.strategy.rollingUpdate.maxSurge} {.spec.progressDeadlineSeconds}'"
expect "^0 1 180$"
old_pods=$(kubectl get pods -l app=jitsudod -o jsonpath='{.items[*].metadata.name}')

start_polling
step "upgrade: spec.image → the new build" 'kubectl patch jitsudocluster jitsudod --type merge -p "{\"spec\":{\"image\":\"$new_image\"}}"'
eventually 180 "every jitsudod pod runs the new image" \
    "kubectl get pods -l app=jitsudod -o jsonpath='{range .items[*]}{.spec.containers[0].image}{\"\\n\"}{end}' | sort -u | grep -qx '$new_image' && [ \"\$(kubectl get pods -l app=jitsudod -o jsonpath='{range .items[*]}{.spec.containers[0].image}{\"\\n\"}{end}' | sort -u | wc -l)\" = 1 ]"
step "the rollout completes" 'kubectl rollout status deployment/jitsudod --timeout=120s'
# The Jobs of this upgrade are named after the digest of the old and the new image (docs/operator.md, "Upgrades").
digest=$(printf '%s\n%s' "$old_image" "$new_image" | sha256sum | cut -c1-12)
export digest
step "the backup Job completed" 'kubectl get job "jitsudo-upgrade-backup-$digest" -o jsonpath="{.status.succeeded} {.status.completionTime}"'
expect "^1 [0-9T:Z-]+$"
backup_done=${out#* }
step "the migration Job ran the new image and completed" \
    'kubectl get job "jitsudo-upgrade-migrate-$digest" -o jsonpath="{.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].args[0]} {.status.succeeded} {.metadata.creationTimestamp} {.status.completionTime}"'
expect "^$new_image migrate 1 [0-9T:Z-]+ [0-9T:Z-]+$"
migrate_done=${out##* }
migrate_created=$(cut -d" " -f4 <<<"$out")
step "the pre-upgrade backup on the claim is a gzip'd dump of the audit log" \
    'gunzip -c "$JITSUDO_VOLUME_ROOT/jitsudo-backups/pre-upgrade-$digest.sql.gz" | grep -c "^COPY public.audit_events"'
expect "^1$"
step "the new ReplicaSet's creation time" \
    "kubectl get replicasets -l app=jitsudod -o jsonpath='{range .items[*]}{.spec.template.spec.containers[0].image} {.metadata.creationTimestamp}{\"\\n\"}{end}' | grep '^$new_image '"
replica_set_created=${out##* }
current="backup, then migration, then the rollout"
echo "backup completed $backup_done; migration created $migrate_created, completed $migrate_done; new ReplicaSet created $replica_set_created"
# RFC 3339 UTC times of one format: ordered as strings.
[[ ! "$migrate_created" < "$backup_done" ]] || fail "the migration Job was created ($migrate_created) before the backup completed ($backup_done)"
[[ ! "$replica_set_created" < "$migrate_done" ]] || fail "the new ReplicaSet ($replica_set_created) was created before the migration completed ($migrate_done)"
eventually 60 "the JitsudoCluster is Ready" "kubectl get jitsudocluster jitsudod -o jsonpath='{.status.phase}' | grep -qx Ready"
stop_polling upgrade
current="no old pod left"
for pod in $old_pods; do
    if kubectl get pod "$pod" >/dev/null 2>&1; then fail "the old pod $pod is still there"; fi
done
step "health after the upgrade" 'curl -fsS https://jitsudo.internal/readyz'
drill_passed "upgrade: backup and migration Jobs completed before the rollout; spec.image rolled with maxUnavailable 0, $requests requests polled, none failed"
