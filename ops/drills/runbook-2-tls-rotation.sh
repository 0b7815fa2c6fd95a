#!/usr/bin/env bash
# Drill for runbook 2 (ops/runbooks/2-tls-certificate-rotation.md): a new certificate made by the seed's `openssl req`,
# put into the Secret by `kubectl create secret tls … | kubectl apply -f -`, `kubectl rollout restart`, and the new
# certificate served (`openssl s_client … | openssl x509 -noout -dates`) — while a client polling /healthz through
# jitsudo.internal the whole time sees no failed request. The operator's certificate is put back afterwards.
# The runbook commands are single-quoted on purpose: they run as written, through step.
# shellcheck disable=SC2016
# shellcheck source=ops/drills/lib.sh
. "$(dirname "$0")/lib.sh"

kubectl get secret jitsudo-tls -o json \
    | jq 'del(.metadata.resourceVersion, .metadata.uid, .metadata.creationTimestamp, .metadata.managedFields)' >operator-tls.json
cp "$HOME/.jitsudo/ca.crt" operator-ca.crt
cleanup() {
    [ -n "${poller:-}" ] && kill "$poller"
    kubectl apply -f operator-tls.json
    cp operator-ca.crt "$HOME/.jitsudo/ca.crt"
}
wait_ready

# A client polling during the rotation: one new connection per request, every failure recorded.
start_polling

# 1. Generate new certificate
step "1. generate the new certificate" 'openssl req -x509 -newkey rsa:4096 \
-keyout new-server.key \
-out new-server.crt \
-days 90 -nodes \
-subj "/CN=jitsudo.internal"'
new_dates=$(command openssl x509 -in new-server.crt -noout -dates)
# 2. Update the Kubernetes Secret
step "2. update the Secret" 'kubectl create secret tls jitsudo-tls \
--cert=new-server.crt \
--key=new-server.key \
--dry-run=client -o yaml \
| kubectl apply -f -'
expect "secret/jitsudo-tls configured"
# 3. Rolling restart (reads new cert from mounted Secret)
step "3. rolling restart" 'kubectl rollout restart deployment/jitsudod'
expect "deployment.apps/jitsudod restarted"
step "3. the rollout completes" 'kubectl rollout status deployment/jitsudod --timeout=180s'
expect "successfully rolled out"
# 4. Verify new certificate is in use (every replica: a few connections through the Service)
for attempt in 1 2 3 4; do
    step "4. verify the new certificate is in use (connection $attempt)" 'echo | openssl s_client -connect jitsudo.internal:443 2>/dev/null \
| openssl x509 -noout -dates'
    [ "$out" = "$new_dates" ] || fail "served: $out; the new certificate: $new_dates"
done
stop_polling rotation
# 5. Update CLI clients with new CA if CA changed
step "5. distribute the new CA: ~/.jitsudo/ca.crt" 'cp new-server.crt ~/.jitsudo/ca.crt'
step "5. a client trusting it verifies the server" 'curl -fsS https://jitsudo.internal/healthz'
drill_passed "runbook 2: certificate rotated with zero failed requests ($requests polled), the new one served"
