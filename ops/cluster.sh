#!/usr/bin/env bash
# A local jitsudo installed the way production is, on loopback only:
#   the real kube-apiserver test bed (scripts/kube-testenv.sh: etcd, kube-apiserver, kube-controller-manager, fakelet),
#   PostgreSQL (superuser `postgres`, role jitsudo_app, database jitsudo), oidc-provider-mock (tokens), moto (AWS),
#   a Slack-compatible webhook sink, and `helm install jitsudo helm/jitsudo` with the real helm: the CRDs, the operator
#   (2 replicas, one leader; pods run as processes by the fakelet) and the JitsudoCluster it creates — jitsudod
#   replicas as real processes, the TLS Secret jitsudo-tls, Service jitsudod, reachable as jitsudo.internal through
#   a local service proxy (ops/lib/service-proxy.py).
#
#   ops/cluster.sh up       bring it up (progress on stderr); the last line is `. <dir>/env.sh`
#   ops/cluster.sh down     stop everything `up` started (by PID) and remove its state
#   ops/cluster.sh status   what runs
#
# State in $JITSUDO_CLUSTER_DIR (default .ops-cluster/, ignored). $JITSUDO_CLUSTER_KUBECONFIG reuses a running test
# bed (make test: the one scripts/with-kube-testenv.sh started; its volume root from $JITSUDO_TEST_KUBE_VOLUME_ROOT)
# instead of starting one; `down` then leaves the test bed running and only uninstalls.
# Binaries from $JITSUDO_BIN_DIR (default .build/debug: `swift build` first, or `make cluster`).
#
# <dir>/env.sh, sourced by the drills and by you, makes the runbooks' commands work as written against this install:
# KUBECONFIG (namespace jitsudo), PGHOST/PGPORT (`psql -U postgres`), DATABASE_URL, DB_PASSWORD, HOME with
# ~/.jitsudo/config.yaml and ~/.jitsudo/ca.crt, `jitsudo_token EMAIL GROUP…`, and curl/openssl functions that resolve
# jitsudo.internal:443 to the service proxy (docs/decisions.md: "jitsudo.internal on a development machine").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${JITSUDO_CLUSTER_DIR:-$root/.ops-cluster}
namespace=jitsudo
bin=${JITSUDO_BIN_DIR:-$root/.build/debug}
steps=8
step=0

progress() { step=$((step + 1)); echo "cluster: [$step/$steps] $*" >&2; }
log() { echo "cluster: $*" >&2; }
die() { echo "cluster: error: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() { # seconds label command... (the label names the wait in the caller's line)
    local limit=$1 deadline
    shift 2
    deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.3
    done
}

# Starts `command…` in the background with its log and pid file under $dir.
start_background() { # name command...
    local name=$1
    shift
    "$@" >"$dir/$name.log" 2>&1 &
    echo $! >"$dir/$name.pid"
}

stop_pid() {
    local f=$1 pid tries=50
    [ -f "$f" ] || return 0
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        while [ $tries -gt 0 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; tries=$((tries - 1)); done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

fail_up() {
    log "$1"
    local f
    for f in "$dir"/*.log; do
        [ -f "$f" ] || continue
        echo "--- last lines of $f" >&2
        tail -8 "$f" >&2
    done
    if [ -f "$dir/kubeconfig" ]; then
        echo "--- kubectl get pods,jitsudoclusters -n $namespace" >&2
        KUBECONFIG=$dir/kubeconfig KUBECACHEDIR=$dir/kube-cache kubectl get pods,jitsudoclusters -o wide 2>&1 | tail -15 >&2 || true
    fi
    exit 1
}

k() { KUBECONFIG=$dir/kubeconfig KUBECACHEDIR=$dir/kube-cache kubectl "$@"; }
namespace_gone() { ! k get namespace "$namespace" >/dev/null 2>&1; }
cluster_ready() { [ "$(k get jitsudocluster jitsudod -o jsonpath='{.status.phase}' 2>/dev/null)" = Ready ]; }

up() {
    if [ -f "$dir/env.sh" ] && pid_alive "$dir/proxy.pid"; then
        log "already up (state in $dir)"
        echo ". $dir/env.sh"
        return 0
    fi
    local started=$SECONDS
    for b in jitsudod jitsudo jitsudo-operator jitsudo-fakelet; do
        [ -x "$bin/$b" ] || die "$bin/$b is not built: run \`swift build\` (or make cluster), or set JITSUDO_BIN_DIR"
    done
    down_quietly
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)

    local kubeconfig volumes
    if [ -n "${JITSUDO_CLUSTER_KUBECONFIG:-}" ]; then
        progress "Kubernetes: reusing the test bed of $JITSUDO_CLUSTER_KUBECONFIG"
        kubeconfig=$JITSUDO_CLUSTER_KUBECONFIG
        volumes=${JITSUDO_TEST_KUBE_VOLUME_ROOT:?JITSUDO_TEST_KUBE_VOLUME_ROOT is needed with JITSUDO_CLUSTER_KUBECONFIG}
        touch "$dir/external-kube"
    else
        progress "Kubernetes: etcd, kube-apiserver, kube-controller-manager and the fakelet (scripts/kube-testenv.sh)"
        local out
        out=$(KUBE_TESTENV_RUN=$dir/kube JITSUDO_FAKELET=$bin/jitsudo-fakelet \
            KUBE_TESTENV_RUN_IMAGES="localhost/jitsudod=$bin/jitsudod localhost/jitsudo-operator=$root/ops/lib/operator-pod.sh" \
            "$root/scripts/kube-testenv.sh" up) || die "the Kubernetes test bed did not come up"
        kubeconfig=$(echo "$out" | tail -1 | sed -n 's/^export KUBECONFIG=//p')
        volumes=$dir/kube/volumes
        echo "$bin/jitsudo-operator" >"$dir/kube/operator-binary"
    fi
    # jitsudod's image: the shipped one (`make images`, the chart's default reference) when the test bed runs it from
    # its own root filesystem (scripts/kube-testenv.sh writes <run>/images/jitsudod.ref), else the built binary.
    local jitsudod_image="{repository: localhost/jitsudod, tag: dev}"
    local shipped_ref
    shipped_ref="$(dirname "$kubeconfig")/images/jitsudod.ref"
    if [ -f "$shipped_ref" ]; then
        jitsudod_image="{repository: $(sed 's/:[^:/]*$//' "$shipped_ref"), tag: $(sed 's/.*://' "$shipped_ref")}"
        log "jitsudod pods run the shipped image $(cat "$shipped_ref") (read-only root filesystem, user 65532)"
    else
        log "jitsudod pods run $bin/jitsudod (no image of this commit: make images to run the shipped one)"
    fi
    # The runbooks' kubectl commands name no namespace: the context's default is jitsudo.
    sed -E "s/^([[:space:]]+namespace:).*/\1 $namespace/" "$kubeconfig" >"$dir/kubeconfig"
    chmod 600 "$dir/kubeconfig"
    mkdir -p "$dir/kube-cache" "$volumes/jitsudo-backups"
    echo "$volumes" >"$dir/volume-root"

    progress "PostgreSQL (superuser postgres, role jitsudo_app, database jitsudo, migrations)"
    local pg_port admin_url app_url password
    # Runbook 3's `postgres://jitsudo_app:…@localhost:5432/jitsudo_restore` works as written when 5432 is free.
    pg_port=${JITSUDO_CLUSTER_PG_PORT:-5432}
    if ! python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$pg_port" 2>/dev/null; then
        pg_port=$(free_port)
        log "port 5432 is taken: PostgreSQL listens on $pg_port (runbook 3's URL names 5432; the drill says so)"
    fi
    admin_url=$("$root/scripts/pg-cluster.sh" start "$dir/postgres" "$pg_port") || die "PostgreSQL did not start"
    echo "$pg_port" >"$dir/pg-port"
    password=$(openssl rand -hex 12)
    psql -X -q -v ON_ERROR_STOP=1 "$admin_url" -f "$root/ops/sql/app-role.sql" >/dev/null || die "ops/sql/app-role.sql failed"
    psql -X -q -v ON_ERROR_STOP=1 "$admin_url" -c "ALTER ROLE jitsudo_app PASSWORD '$password'" -c "CREATE DATABASE jitsudo" >/dev/null
    "$bin/jitsudod" migrate --db-url "${admin_url%/postgres*}/jitsudo?sslmode=disable" >"$dir/migrate.log" 2>&1 \
        || fail_up "jitsudod migrate failed"
    app_url="postgres://jitsudo_app:$password@127.0.0.1:$pg_port/jitsudo?sslmode=disable"

    progress "oidc-provider-mock (tokens), moto (AWS) and a Slack-compatible webhook sink"
    local oidc_port moto_port
    oidc_port=$(free_port)
    start_background oidc python3 -m oidc_provider_mock --host 127.0.0.1 --port "$oidc_port"
    moto_port=$(free_port)
    start_background moto python3 -m moto.server -H 127.0.0.1 -p "$moto_port"
    start_background slack python3 "$root/ops/cluster/slack-sink.py" --port-file "$dir/slack-port" --out "$dir/slack.jsonl"
    wait_for 30 oidc curl -fs "http://127.0.0.1:$oidc_port/.well-known/openid-configuration" || fail_up "oidc-provider-mock did not answer"
    wait_for 30 moto curl -fs "http://127.0.0.1:$moto_port/moto-api/" || fail_up "moto did not answer"
    wait_for 10 slack test -s "$dir/slack-port" || fail_up "the webhook sink did not start"
    echo "$oidc_port" >"$dir/oidc-port"
    AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 aws --endpoint-url "http://127.0.0.1:$moto_port" \
        iam create-role --role-name prod-infra-admin --assume-role-policy-document \
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}' \
        >"$dir/moto-role.log" 2>&1 || fail_up "creating the role prod-infra-admin in moto failed"

    progress "helm install jitsudo helm/jitsudo (CRDs, operator, JitsudoCluster)"
    local helm
    helm=$("$root/scripts/ensure-helm.sh") || die "scripts/ensure-helm.sh failed"
    # On a reused test bed the namespace of an earlier `down` may still be terminating: wait for it, with a limit.
    if k get namespace "$namespace" >/dev/null 2>&1; then
        log "namespace $namespace still exists (an earlier ops/cluster.sh down is deleting it): waiting up to 180 s"
        wait_for 180 "namespace $namespace gone" namespace_gone ||
            fail_up "namespace $namespace still exists after 180 s; see kubectl get namespace $namespace -o yaml"
    fi
    k create namespace "$namespace" >/dev/null
    k create secret generic pg-admin --from-literal=url="${admin_url%/postgres*}/postgres?sslmode=disable" >/dev/null
    # The backup CronJob's database: the owner (pg_dump reads sequences, which jitsudo_app may not).
    k create secret generic jitsudo-backup-database --from-literal=url="${admin_url%/postgres*}/jitsudo?sslmode=disable" >/dev/null
    # The backup volume the CronJob and restores use: a claim whose directory is $volume-root/jitsudo-backups.
    k apply -f - >/dev/null <<EOF
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: jitsudo-backups}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
EOF
    cat >"$dir/values.yaml" <<EOF
operator:
  image: {repository: localhost/jitsudo-operator, tag: dev}
  replicas: 2
jitsudod:
  image: $jitsudod_image
  replicas: 2
  config: |
    http_addr: ":8443"
    shutdown_delay_seconds: 2
    log_level: info
    credentials_key: $(openssl rand -base64 32)
    database_max_connections: 4
    audit_verify_interval: 60s
    oidc:
      issuer: http://127.0.0.1:$oidc_port
    admin:
      emails: admin@example.com
    providers:
      mock:
        enabled: true
      aws:
        enabled: true
        endpoint_url: http://127.0.0.1:$moto_port
        allowed_accounts: "123456789012"
    notifications:
      slack:
        webhook_url: http://127.0.0.1:$(cat "$dir/slack-port")/services/T000/B000/local
    tls:
      cert_file: /etc/jitsudo/tls/tls.crt
      key_file: /etc/jitsudo/tls/tls.key
  env:
    - {name: AWS_ACCESS_KEY_ID, value: testing}
    - {name: AWS_SECRET_ACCESS_KEY, value: testing}
database:
  createSecret: true
  url: "$app_url"
tls:
  dnsNames: [jitsudo.internal, localhost]
  reloadGracePeriod: 10s
backup:
  enabled: true
  persistentVolumeClaimName: jitsudo-backups
  databaseSecretName: jitsudo-backup-database
EOF
    KUBECONFIG=$dir/kubeconfig KUBECACHEDIR=$dir/kube-cache "$helm" install jitsudo "$root/helm/jitsudo" --namespace "$namespace" \
        -f "$dir/values.yaml" --wait --timeout 4m >"$dir/helm.log" 2>&1 || fail_up "helm install failed: $(tail -5 "$dir/helm.log")"

    progress "waiting for the JitsudoCluster to be Ready (jitsudod replicas as processes, Secret jitsudo-tls)"
    wait_for 180 ready cluster_ready \
        || fail_up "the JitsudoCluster did not become Ready within 180 s"

    progress "service jitsudod as jitsudo.internal (a local service proxy)"
    start_background proxy python3 "$root/ops/lib/service-proxy.py" --kubeconfig "$dir/kubeconfig" --namespace "$namespace" \
        --port-file "$dir/proxy-port"
    wait_for 10 proxy test -s "$dir/proxy-port" || fail_up "the service proxy did not start"
    local proxy_port
    proxy_port=$(cat "$dir/proxy-port")
    mkdir -p "$dir/home/.jitsudo"
    k get secret jitsudo-tls -o jsonpath='{.data.ca\.crt}' | base64 -d >"$dir/home/.jitsudo/ca.crt"
    printf 'server: https://localhost:%s\n' "$proxy_port" >"$dir/home/.jitsudo/config.yaml"
    write_env "$pg_port" "$password" "$proxy_port" "$oidc_port" "$moto_port"
    wait_for 60 readyz curl -fs --cacert "$dir/home/.jitsudo/ca.crt" --resolve "jitsudo.internal:$proxy_port:127.0.0.1" \
        "https://jitsudo.internal:$proxy_port/readyz" || fail_up "https://jitsudo.internal/readyz did not answer 200 through the proxy"

    progress "policies: eligibility and approval for the group sre"
    (
        # shellcheck source=/dev/null
        . "$dir/env.sh"
        JITSUDO_TOKEN=$(jitsudo_token admin@example.com sre) || exit 1
        export JITSUDO_TOKEN
        jitsudo policy apply -f "$root/ops/cluster/eligibility.rego" --name sre-eligibility --type eligibility
        jitsudo policy apply -f "$root/ops/cluster/approval.rego" --name sre-approval --type approval
    ) >"$dir/policies.log" 2>&1 || fail_up "applying the policies failed: $(cat "$dir/policies.log")"

    progress "checking: jitsudod replicas, the operator's leader, /healthz through jitsudo.internal"
    k rollout status deployment/jitsudod --timeout=60s >/dev/null 2>&1 || fail_up "deployment/jitsudod is not rolled out"
    log "up in $((SECONDS - started)) s: $(k get pods -l app=jitsudod --no-headers 2>/dev/null | wc -l) jitsudod pods," \
        "https://jitsudo.internal (127.0.0.1:$proxy_port), PostgreSQL 127.0.0.1:$pg_port; state in $dir"
    echo ". $dir/env.sh"
}

write_env() { # pg_port password proxy_port oidc_port moto_port
    cat >"$dir/env.sh" <<EOF
# shellcheck shell=bash
# The local cluster's environment (ops/cluster.sh): the runbooks' commands work as written with it.
export JITSUDO_CLUSTER_DIR=$dir
export KUBECONFIG=$dir/kubeconfig
export KUBECACHEDIR=$dir/kube-cache
export PGHOST=127.0.0.1 PGPORT=$1
export DB_PASSWORD=$2
export DATABASE_URL="postgres://jitsudo_app:$2@127.0.0.1:$1/jitsudo?sslmode=disable"
export HOME=$dir/home
export JITSUDO_SERVICE_PORT=$3
export JITSUDO_OIDC_URL=http://127.0.0.1:$4
export JITSUDO_MOTO_URL=http://127.0.0.1:$5
export JITSUDO_SLACK_LOG=$dir/slack.jsonl
export JITSUDO_VOLUME_ROOT=$(cat "$dir/volume-root")
export PATH=$bin:\$PATH
# shellcheck source=ops/lib/cluster-env.sh
. $root/ops/lib/cluster-env.sh
EOF
}

down_quietly() {
    [ -d "$dir" ] || return 0
    local p
    if [ -f "$dir/kubeconfig" ] && [ -f "$dir/external-kube" ]; then
        local helm
        helm=$("$root/scripts/ensure-helm.sh" 2>/dev/null) || true
        if [ -n "$helm" ]; then
            KUBECONFIG=$dir/kubeconfig KUBECACHEDIR=$dir/kube-cache "$helm" uninstall jitsudo -n "$namespace" >/dev/null 2>&1 || true
        fi
        k delete namespace "$namespace" --wait=false >/dev/null 2>&1 || true
    fi
    for p in proxy slack moto oidc; do stop_pid "$dir/$p.pid"; done
    if [ -d "$dir/kube" ]; then KUBE_TESTENV_RUN=$dir/kube "$root/scripts/kube-testenv.sh" down >/dev/null 2>&1 || true; fi
    if [ -d "$dir/postgres" ]; then "$root/scripts/pg-cluster.sh" stop "$dir/postgres" >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
}

down() {
    down_quietly
    log "down: everything ops/cluster.sh up started is stopped and $dir removed"
}

status() {
    if [ -f "$dir/env.sh" ] && pid_alive "$dir/proxy.pid"; then
        echo "up: https://jitsudo.internal → 127.0.0.1:$(cat "$dir/proxy-port"); . $dir/env.sh"
        k get pods -l app=jitsudod 2>&1 || true
    else
        echo "not up"
        return 1
    fi
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) status ;;
    *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
