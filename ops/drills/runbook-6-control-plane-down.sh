#!/usr/bin/env bash
# Drill for runbook 6 (ops/runbooks/6-control-plane-down.md): every jitsudod crash-looping, diagnosed with the seed's
# commands as written (`kubectl get pods -l app=jitsudod`, `kubectl describe pod <pod-name>`, `kubectl logs <pod-name>
# --previous` showing the runbook's exact messages), fixed, `kubectl rollout restart`, `kubectl rollout status`,
# `/healthz` and `/readyz`. Twice: a DATABASE_URL pointing at nothing ("database connection refused"), then a garbage
# TLS Secret ("TLS: failed to load certificate") — with the operator stopped, as it would otherwise replace the bad
# Secret by itself within seconds (its own recovery, checked at the end).
# The runbook commands are single-quoted on purpose: they run as written, through step.
# shellcheck disable=SC2016
# shellcheck source=ops/drills/lib.sh
. "$(dirname "$0")/lib.sh"

good_url=$(kubectl get secret jitsudo-database -o jsonpath='{.data.url}' | base64 -d)
[ -n "$good_url" ] || fail "no Secret jitsudo-database"
cleanup() {
    kubectl create secret generic jitsudo-database --from-literal=url="$good_url" --dry-run=client -o yaml | kubectl apply -f -
    kubectl scale deployment jitsudo-operator --replicas=2
}
set_database_url() {
    kubectl create secret generic jitsudo-database --from-literal=url="$1" --dry-run=client -o yaml | kubectl apply -f -
}
all_crash_looping() { # reason: every jitsudod pod waiting in CrashLoopBackOff, none ready
    local pods
    pods=$(kubectl get pods -l app=jitsudod --no-headers)
    echo "$pods"
    [ -n "$pods" ] && ! grep -qv 'CrashLoopBackOff' <<<"$pods"
}
diagnose() { # expected message
    step "1. check pod status" 'kubectl get pods -l app=jitsudod'
    expect "CrashLoopBackOff"
    pod_name=$(kubectl get pods -l app=jitsudod -o jsonpath='{.items[0].metadata.name}')
    step "1. describe the pod" "kubectl describe pod $pod_name"
    expect "Last State: +Terminated"
    expect "Exit Code: +1"
    step "1. the previous container's logs" "kubectl logs $pod_name --previous"
    expect "$1"
}
recover() {
    # 3. Force restart
    step "3. force restart" 'kubectl rollout restart deployment/jitsudod'
    expect "deployment.apps/jitsudod restarted"
    # 4. Monitor rollout
    step "4. monitor the rollout" 'kubectl rollout status deployment/jitsudod'
    expect "successfully rolled out"
    # 5. Verify health
    eventually 60 "5. /healthz" 'curl https://jitsudo.internal/healthz'
    eventually 60 "5. /readyz" 'curl https://jitsudo.internal/readyz'
}

wait_ready
# Cause 1: the database URL points at a closed port.
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
step "setup: DATABASE_URL points at a closed port" "set_database_url 'postgres://jitsudo_app:x@127.0.0.1:$closed/jitsudo' && kubectl delete pods -l app=jitsudod --wait=false"
eventually 90 "symptom: every jitsudod pod in CrashLoopBackOff" 'all_crash_looping'
step_may_fail "symptom: health checks failing" 'curl -sS --max-time 5 https://jitsudo.internal/healthz'
[ "$rc" -ne 0 ] || fail "/healthz still answered"
diagnose "database connection refused"
# The fix: "Verify DATABASE_URL env var is set correctly".
step "2. fix DATABASE_URL" 'set_database_url "$good_url"'
recover

# Cause 2: the TLS Secret holds garbage (the operator stopped, else it replaces the Secret at once).
step "setup: the operator stopped" 'kubectl scale deployment jitsudo-operator --replicas=0 && kubectl wait --for=delete pod -l app.kubernetes.io/name=jitsudo-operator --timeout=60s'
kubectl get secret jitsudo-tls -o json \
    | jq 'del(.metadata.resourceVersion, .metadata.uid, .metadata.creationTimestamp, .metadata.managedFields)' >good-tls.json
step "setup: garbage in the TLS Secret" 'kubectl patch secret jitsudo-tls --type merge -p "{\"data\":{\"tls.crt\":\"$(echo garbage | base64)\"}}" && kubectl delete pods -l app=jitsudod --wait=false'
eventually 90 "symptom: every jitsudod pod in CrashLoopBackOff" 'all_crash_looping'
diagnose "TLS: failed to load certificate"
# The fix: "Check TLS cert/key Secret is mounted correctly" — put the good certificate back.
step "2. fix the TLS Secret" 'kubectl apply -f good-tls.json'
recover
step "the operator back" 'kubectl scale deployment jitsudo-operator --replicas=2'
drill_passed "runbook 6: crash loops from a bad DATABASE_URL and a garbage TLS Secret diagnosed and recovered"
