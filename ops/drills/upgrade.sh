#!/usr/bin/env bash
# Drill for an operator-driven upgrade (ops/README.md, "Upgrades"): changing JitsudoCluster.spec.image rolls the
# jitsudod pods with maxUnavailable 0 (a new pod ready before an old one stops) while a client polling /healthz through
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
}
wait_ready
step "the Deployment's strategy" "kubectl get deployment jitsudod -o jsonpath='{.spec.strategy.rollingUpdate.maxUnavailable} {.spec.strategy.rollingUpdate.maxSurge} {.spec.progressDeadlineSeconds}'"
expect "^0 1 180$"
old_pods=$(kubectl get pods -l app=jitsudod -o jsonpath='{.items[*].metadata.name}')

poll() {
    while [ ! -f stop-polling ]; do
        if command curl -ksS --max-time 5 -o /dev/null -w '%{http_code}\n' --connect-to "jitsudo.internal:443:127.0.0.1:$JITSUDO_SERVICE_PORT" \
            https://jitsudo.internal/healthz >>poll.log 2>&1; then :; else echo "curl exit $?" >>poll.log; fi
        sleep 0.1
    done
}
poll &
poller=$!
step "upgrade: spec.image → the new build" 'kubectl patch jitsudocluster jitsudod --type merge -p "{\"spec\":{\"image\":\"$new_image\"}}"'
eventually 180 "every jitsudod pod runs the new image" \
    "kubectl get pods -l app=jitsudod -o jsonpath='{range .items[*]}{.spec.containers[0].image}{\"\\n\"}{end}' | sort -u | grep -qx '$new_image' && [ \"\$(kubectl get pods -l app=jitsudod -o jsonpath='{range .items[*]}{.spec.containers[0].image}{\"\\n\"}{end}' | sort -u | wc -l)\" = 1 ]"
step "the rollout completes" 'kubectl rollout status deployment/jitsudod --timeout=120s'
eventually 60 "the JitsudoCluster is Ready" "kubectl get jitsudocluster jitsudod -o jsonpath='{.status.phase}' | grep -qx Ready"
touch stop-polling
wait "$poller"
poller=""
current="no old pod left"
for pod in $old_pods; do
    if kubectl get pod "$pod" >/dev/null 2>&1; then fail "the old pod $pod is still there"; fi
done
current="no failed request during the upgrade"
requests=$(wc -l <poll.log)
failures=$(grep -vc '^200$' poll.log)
echo "polling client: $requests requests, $failures failed"
[ "$requests" -gt 10 ] || fail "the poller made only $requests requests"
[ "$failures" -eq 0 ] || fail "$failures of $requests requests failed during the upgrade: $(grep -v '^200$' poll.log | sort | uniq -c)"
step "health after the upgrade" 'curl -fsS https://jitsudo.internal/readyz'
drill_passed "upgrade: spec.image rolled with maxUnavailable 0, $requests requests polled, none failed"
