#!/usr/bin/env bash
# Drill for the series the alerts read (ops/alerts/jitsudo-rules.yaml; runbook 2's "30-day alert"), scraped from the
# running install: every jitsudod exports the notAfter of the certificate it really serves (compared with what a TLS
# handshake to it shows), exactly one replica reports itself leader, the leader's periodic audit verification reports
# the chain intact, and the operator's leader exports the notAfter of the certificate in the Secret jitsudo-tls.
# shellcheck disable=SC2016 # commands single-quoted on purpose: they run through step/eventually
# shellcheck source=ops/drills/lib.sh
. "$(dirname "$0")/lib.sh"

wait_ready
metric() { # name: its value in $scraped (the first sample, labels ignored)
    awk -v name="$1" '$1 == name || index($1, name "{") == 1 { print $2; exit }' <<<"$scraped"
}
epoch_of_not_after() { date -u -d "$(sed -n 's/^notAfter=//p')" +%s; }

# Every ready replica: its exported notAfter is the served certificate's; exactly one is leader, and the leader's
# verification reports the chain intact. Repeated until it holds (a leader change or a rollout may be under way).
check_replicas() {
    local port ports scraped served exported leader leaders=0 intact="" verified=0 unsequenced=""
    ports=$(kubectl get pods -l app=jitsudod -o jsonpath='{range .items[*]}{.metadata.annotations.fakelet\.jitsudo\.dev/port}{"\n"}{end}')
    [ -n "$ports" ] || { echo "no jitsudod pod with a port"; return 1; }
    for port in $ports; do
        scraped=$(command curl -fsS --cacert "$HOME/.jitsudo/ca.crt" "https://localhost:$port/metrics") || { echo ":$port: no /metrics"; return 1; }
        served=$(echo | command openssl s_client -connect "127.0.0.1:$port" 2>/dev/null | command openssl x509 -noout -enddate | epoch_of_not_after)
        exported=$(metric jitsudo_tls_certificate_not_after_seconds)
        echo ":$port: jitsudo_tls_certificate_not_after_seconds ${exported:-absent}, served notAfter $served; jitsudo_leader $(metric jitsudo_leader)"
        [ -n "$exported" ] && [ "${exported%.*}" = "$served" ] || return 1
        leader=$(metric jitsudo_leader)
        if [ "${leader%.*}" = 1 ]; then
            leaders=$((leaders + 1))
            intact=$(metric jitsudo_audit_chain_intact)
            verified=$(metric jitsudo_audit_events_verified)
            unsequenced=$(metric jitsudo_audit_unsequenced_oldest_seconds)
        fi
    done
    echo "leaders: $leaders; the leader's jitsudo_audit_chain_intact ${intact:-absent}, jitsudo_audit_events_verified ${verified:-absent}," \
        "jitsudo_audit_unsequenced_oldest_seconds ${unsequenced:-absent}"
    [ "$leaders" -eq 1 ] && [ "${intact%.*}" = 1 ] && [ "${verified%.*}" -gt 0 ] && [ -n "$unsequenced" ]
}
eventually 40 "jitsudod: served notAfter, one leader, audit chain intact" 'check_replicas'
verified=$(sed -nE 's/.*jitsudo_audit_events_verified ([0-9]+).*/\1/p' <<<"$out")

scrape_operator_leader() { # sets $found from the operator replica that holds the Lease
    local port
    for port in $(kubectl get pods -l app.kubernetes.io/name=jitsudo-operator -o jsonpath='{.items[*].metadata.annotations.fakelet\.jitsudo\.dev/port}'); do
        scraped=$(command curl -fsS "http://127.0.0.1:$port/metrics") || continue
        [ "$(metric jitsudo_operator_leader)" = 1 ] || continue
        found=$(metric jitsudo_operator_tls_certificate_not_after_seconds)
    done
}
export secret_not_after found scraped
secret_not_after=$(kubectl get secret jitsudo-tls -o jsonpath='{.data.tls\.crt}' | base64 -d | command openssl x509 -noout -enddate | epoch_of_not_after)
found=""
step "jitsudo-operator pods" 'kubectl get pods -l app.kubernetes.io/name=jitsudo-operator'
current="jitsudo_operator_tls_certificate_not_after_seconds on the operator's leader"
eventually 40 "$current" 'scrape_operator_leader; echo "exported: ${found:-none}, the Secret: $secret_not_after"; [ "${found%.*}" = "$secret_not_after" ]'
drill_passed "alert series: served notAfter on every replica, one leader, audit chain intact ($verified events), the operator's notAfter"
