#!/usr/bin/env bash
# APIContractTests (issue 21): the served OpenAPI document and the server say the same thing.
# Starts a real jitsudod (the debug build) on a fresh database of the test PostgreSQL, with oidc-provider-mock as its
# issuer and ID tokens of an admin, an approver and a plain requester, then runs schemathesis (pinned by
# scripts/ensure-deps.sh) against the served /openapi.yaml with every check and the phases examples, coverage,
# fuzzing and stateful (the document's links: create → get/approve/deny/revoke/extend/credentials).
# Afterwards: no 4xx changed the database (contract_hooks.py fingerprints it around every call), the audit chain
# verifies, and undeclared methods get 405 with Allow.
#
#   scripts/with-test-postgres.sh Tests/APIContractTests/api-contract-tests.sh
#
# CONTRACT_SEED (default fixed, for CI) and CONTRACT_MAX_EXAMPLES (per operation, default 8) bound the run;
# `make fuzz-api` uses a fresh seed and more examples. Output follows swift-testing's lines so
# scripts/run-tests.sh counts it like every other group.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
here=$PWD/Tests/APIContractTests
bin_dir=${JITSUDO_BIN_DIR:-$(swift build --show-bin-path)}
seed=${CONTRACT_SEED:-20261206}
max_examples=${CONTRACT_MAX_EXAMPLES:-8}
work=$(mktemp -d /tmp/jitsudo-contract-tests.XXXXXX)
background=()
cleanup() {
    local pid
    for pid in "${background[@]}"; do kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    [ -n "${CONTRACT_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "$*" >&2; exit 1; }
seconds_since() { awk -v start="$1" -v now="$(date +%s.%N)" 'BEGIN { printf "%.3f", now - start }'; }
run_in() { (cd "$1" && shift && "$@"); } # schemathesis keeps a cache folder in its working directory
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# An ID token from oidc-provider-mock through its authorization-code flow (as Tests/ImageTests/image-tests.sh).
id_token() {
    local base=$1 subject=$2 email=$3 groups=$4 redirect=http%3A%2F%2F127.0.0.1%2Fcallback location code
    curl -fs -X PUT -H 'Content-Type: application/json' -d "{\"email\":\"$email\",\"groups\":$groups}" "$base/users/$subject" \
        >/dev/null || fail "PUT /users failed"
    location=$(curl -s -o /dev/null -w '%{redirect_url}' -d "sub=$subject" \
        "$base/oauth2/authorize?client_id=jitsudo-cli&response_type=code&scope=openid%20email&state=s1&redirect_uri=$redirect")
    code=$(sed -nE 's/.*[?&]code=([^&]+).*/\1/p' <<<"$location")
    [ -n "$code" ] || fail "authorization did not redirect with a code: '$location'"
    curl -fs -d "grant_type=authorization_code&client_id=jitsudo-cli&client_secret=unused&code=$code&redirect_uri=$redirect" \
        "$base/oauth2/token" | jq -er .id_token || fail "token exchange failed"
}

eligibility='package jitsudo.eligibility

allow if "sre" in input.user.groups

max_duration_seconds := 28800

reason := "only sre may request roles" if not allow'
approval='package jitsudo.approval

allow if "sre-leads" in input.user.groups

approver_tier := "ai_review" if input.request.role == "reviewed"'

# Everything the tests share: issuer, tokens, server, policies. Runs in the main shell (its processes live until exit).
start_stack() {
    local issuer_port port db code name type rego
    [ -n "${JITSUDO_TEST_DATABASE_URL:-}" ] || fail "JITSUDO_TEST_DATABASE_URL is not set: run under scripts/with-test-postgres.sh"
    [ -x "$bin_dir/jitsudod" ] || fail "no $bin_dir/jitsudod: build first (swift build)"
    command -v schemathesis >/dev/null || fail "schemathesis is not installed: run scripts/ensure-deps.sh"
    db=jitsudo_contract_$$
    psql -q "$JITSUDO_TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" || fail "cannot create the database"
    database_url="${JITSUDO_TEST_DATABASE_URL%/*}/$db"

    # The run holds the leader lock itself (standin_leader.py), so no replica leads: the sweeper stays idle and every
    # change to the database comes from a call under test. The stand-in keeps the heartbeat fresh and sequences the
    # audit events the replicas stage, with an implementation of the spec that shares no code with jitsudo.
    python3 "$here/standin_leader.py" "$database_url" 2>>"$work/standin-leader.log" &
    background+=($!)
    for _ in $(seq 100); do
        [ "$(psql -tAX "$database_url" -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" -ge 1 ] && break
        sleep 0.1
    done
    [ "$(psql -tAX "$database_url" -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" -ge 1 ] \
        || fail "could not take the leader lock"

    issuer_port=$(free_port)
    python3 -m oidc_provider_mock --host 127.0.0.1 --port "$issuer_port" >"$work/issuer.log" 2>&1 &
    background+=($!)
    for _ in $(seq 150); do curl -fs "http://127.0.0.1:$issuer_port/.well-known/openid-configuration" >/dev/null && break; sleep 0.1; done
    issuer="http://127.0.0.1:$issuer_port"
    admin_token=$(id_token "$issuer" root root@example.com '["jitsudo-admins"]') || exit 1
    approver_token=$(id_token "$issuer" lead lead@example.com '["sre-leads"]') || exit 1
    requester_token=$(id_token "$issuer" rita rita@example.com '["sre"]') || exit 1
    other_token=$(id_token "$issuer" otto otto@example.com '["sre"]') || exit 1
    refused_approver_token=$(id_token "$issuer" ivan ivan@example.com '["interns"]') || exit 1
    mcp_token=$(openssl rand -hex 24)
    credentials_key=$(openssl rand -base64 32)
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=jitsudod \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null \
        || fail "openssl could not make a certificate"

    port=$(free_port)
    # The sweeper is slowed to an hour: nothing but the calls under test changes the database during the run.
    # Rate limits are off here (schemathesis calls as fast as it can); start_limited_server tests them.
    DATABASE_URL=$database_url JITSUDOD_HTTP_ADDR=127.0.0.1:$port JITSUDOD_OIDC_ISSUER=$issuer \
        JITSUDOD_CREDENTIALS_KEY=$credentials_key JITSUDOD_PROVIDERS_MOCK_ENABLED=true \
        JITSUDOD_MCP_TOKEN=$mcp_token JITSUDOD_SWEEP_INTERVAL=1h JITSUDOD_LOG_LEVEL=info \
        JITSUDOD_TLS_CERT_FILE=$work/tls.crt JITSUDOD_TLS_KEY_FILE=$work/tls.key \
        JITSUDOD_LIMITS_REQUESTS_PER_MINUTE_PER_IDENTITY=0 JITSUDOD_LIMITS_REQUESTS_PER_MINUTE_PER_ADDRESS=0 \
        JITSUDOD_LIMITS_FAILED_AUTHENTICATIONS_PER_MINUTE_PER_ADDRESS=0 \
        "$bin_dir/jitsudod" serve >"$work/jitsudod.log" 2>&1 &
    server_pid=$!
    background+=("$server_pid")
    tls_port=$port
    base="https://127.0.0.1:$port"
    for _ in $(seq 600); do
        code=$(curl -s --cacert "$work/tls.crt" -o /dev/null -w '%{http_code}' "$base/healthz")
        [ "$code" = 200 ] && break
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    [ "$code" = 200 ] || fail "/healthz answered '$code'; jitsudod log: $(tail -20 "$work/jitsudod.log")"
    for name in eligibility approval; do
        type=$name
        rego=$eligibility
        [ "$name" = approval ] && rego=$approval
        code=$(jq -n --arg n "$name" --arg t "$type" --arg r "$rego" '{name: $n, type: $t, rego: $r, enabled: true}' \
            | curl -s --cacert "$work/tls.crt" -o "$work/policy.json" -w '%{http_code}' -H "Authorization: Bearer $admin_token" \
                -H 'Content-Type: application/json' --data-binary @- "$base/api/v1alpha1/policies")
        [ "$code" = 200 ] || fail "policy $name refused ($code): $(cat "$work/policy.json")"
    done
    # Every role has called once (the principals exist) before the run fingerprints the database.
    for token in "$approver_token" "$requester_token" "$other_token" "$refused_approver_token"; do
        curl -fs --cacert "$work/tls.crt" -o /dev/null -H "Authorization: Bearer $token" "$base/api/v1alpha1/requests" || fail "warm-up call failed"
    done
    start_limited_server
    start_soak_replica
}

# A third replica, plain HTTP, limits off: the soak runs against it and the first one.
start_soak_replica() {
    local port code
    port=$(free_port)
    DATABASE_URL=$database_url JITSUDOD_HTTP_ADDR=127.0.0.1:$port JITSUDOD_OIDC_ISSUER=$issuer \
        JITSUDOD_CREDENTIALS_KEY=$credentials_key JITSUDOD_PROVIDERS_MOCK_ENABLED=true JITSUDOD_SWEEP_INTERVAL=1h \
        JITSUDOD_LIMITS_REQUESTS_PER_MINUTE_PER_IDENTITY=0 JITSUDOD_LIMITS_REQUESTS_PER_MINUTE_PER_ADDRESS=0 \
        JITSUDOD_LIMITS_FAILED_AUTHENTICATIONS_PER_MINUTE_PER_ADDRESS=0 \
        "$bin_dir/jitsudod" serve >"$work/soak-replica.log" 2>&1 &
    soak_pid=$!
    background+=("$soak_pid")
    soak_base="http://127.0.0.1:$port"
    for _ in $(seq 600); do
        code=$(curl -s -o /dev/null -w '%{http_code}' "$soak_base/healthz")
        [ "$code" = 200 ] && break
        kill -0 "$soak_pid" 2>/dev/null || break
        sleep 0.1
    done
    [ "$code" = 200 ] || fail "the soak replica answered '$code'; log: $(tail -20 "$work/soak-replica.log")"
}

# A second replica on the same database, plain HTTP, with small limits: the rate-limit and slow-client tests.
start_limited_server() {
    local port code
    port=$(free_port)
    DATABASE_URL=$database_url JITSUDOD_HTTP_ADDR=127.0.0.1:$port JITSUDOD_OIDC_ISSUER=$issuer \
        JITSUDOD_CREDENTIALS_KEY=$credentials_key JITSUDOD_PROVIDERS_MOCK_ENABLED=true JITSUDOD_SWEEP_INTERVAL=1h \
        JITSUDOD_LIMITS_REQUESTS_PER_MINUTE_PER_IDENTITY=5 JITSUDOD_LIMITS_REQUESTS_PER_MINUTE_PER_ADDRESS=40 \
        JITSUDOD_LIMITS_FAILED_AUTHENTICATIONS_PER_MINUTE_PER_ADDRESS=3 JITSUDOD_LIMITS_REQUEST_READ_TIMEOUT=2s \
        "$bin_dir/jitsudod" serve >"$work/limited.log" 2>&1 &
    background+=($!)
    limited_pid=$!
    limited="http://127.0.0.1:$port"
    limited_port=$port
    for _ in $(seq 600); do
        code=$(curl -s -o /dev/null -w '%{http_code}' "$limited/healthz")
        [ "$code" = 200 ] && break
        kill -0 "$limited_pid" 2>/dev/null || break
        sleep 0.1
    done
    [ "$code" = 200 ] || fail "the limited replica answered '$code'; log: $(tail -20 "$work/limited.log")"
}

test_schemathesisFindsNoFailures() {
    CONTRACT_ADMIN_TOKEN=$admin_token CONTRACT_APPROVER_TOKEN=$approver_token CONTRACT_REQUESTER_TOKEN=$requester_token \
        CONTRACT_MCP_TOKEN=$mcp_token CONTRACT_DATABASE_URL=$database_url CONTRACT_VIOLATIONS=$work/violations.jsonl \
        CONTRACT_REFUSALS=$work/refusals.log PYTHONPATH=$here SCHEMATHESIS_HOOKS=contract_hooks \
        run_in "$work" schemathesis --config-file "$here/schemathesis.toml" run "${CONTRACT_SCHEMA:-$base/openapi.yaml}" --url "$base" --checks all --phases examples,coverage,fuzzing,stateful \
        --seed "$seed" --max-examples "$max_examples" --workers 1 --generation-database none --no-color \
        --suppress-health-check all --request-timeout 30 --tls-verify "$work/tls.crt" --report junit,har --report-dir "$work/report" \
        >"$work/schemathesis.log" 2>&1
    local rc=$?
    sed -n '/SUMMARY/,$p' "$work/schemathesis.log" >"${CONTRACT_SUMMARY:-/dev/null}"
    [ "$rc" -eq 0 ] || fail "schemathesis (seed $seed) reported failures (exit $rc):$(echo; cat "$work/schemathesis.log")"
}

test_everyRefusalLeftTheDatabaseAsItWas() {
    local refusals
    refusals=$(wc -l <"$work/refusals.log" 2>/dev/null || echo 0)
    [ "$refusals" -gt 100 ] || fail "only $refusals refusals were observed: the fingerprint hook did not run"
    [ ! -s "$work/violations.jsonl" ] || fail "refusals changed the database:$(echo; head -20 "$work/violations.jsonl")"
    echo "$refusals refusals checked" >&2
}

test_auditChainVerifiesAfterTheRun() {
    local body
    body=$(curl -fs --cacert "$work/tls.crt" -X POST -H "Authorization: Bearer $requester_token" "$base/api/v1alpha1/audit:verify") || fail "audit:verify failed"
    jq -e '.intact == true and (.eventsVerified | tonumber) > 2 and .unsequencedEvents == "0"' <<<"$body" >/dev/null \
        || fail "the chain does not verify, or events were left unsequenced: $body"
    [ ! -s "$work/standin-leader.log" ] || fail "the stand-in leader reported: $(head -5 "$work/standin-leader.log")"
}

test_undeclaredMethodsGet405WithAllow() {
    local path method headers status allow
    for path in /healthz /openapi.yaml /mcp /api/v1alpha1/requests /api/v1alpha1/requests:revoke \
        "/api/v1alpha1/requests/req_01J0000000000000000000000A" /api/v1alpha1/policies/eligibility /api/v1alpha1/audit:verify; do
        for method in TRACE PUT; do
            headers=$(curl -s --cacert "$work/tls.crt" -o /dev/null -D - -X "$method" -H "Authorization: Bearer $requester_token" "$base$path" | tr -d '\r')
            status=$(head -1 <<<"$headers" | awk '{print $2}')
            allow=$(sed -nE 's/^[Aa]llow: (.*)$/\1/p' <<<"$headers")
            [ "$status" = 405 ] || fail "$method $path answered $status, not 405"
            [ -n "$allow" ] || fail "$method $path: 405 without Allow"
        done
    done
}

test_authorizationMatrixFollowsTheDocument() {
    MATRIX_REQUESTER_TOKEN=$requester_token MATRIX_OTHER_TOKEN=$other_token MATRIX_APPROVER_TOKEN=$approver_token \
        MATRIX_REFUSED_APPROVER_TOKEN=$refused_approver_token MATRIX_ADMIN_TOKEN=$admin_token MATRIX_MCP_TOKEN=$mcp_token \
        MATRIX_CA_FILE=$work/tls.crt PYTHONPATH=$here python3 "$here/authorization_matrix.py" "$base" "$database_url" \
        || fail "the authorization matrix found problems"
}

test_tlsOffersOnlyVersions12And13WithForwardSecretAEADSuites() {
    local version cipher output
    for version in -tls1 -tls1_1; do
        output=$(openssl s_client -connect "127.0.0.1:$tls_port" "$version" -cipher 'DEFAULT:@SECLEVEL=0' </dev/null 2>&1)
        ! grep -qE "^ *(Protocol|New, TLS).*TLSv1(\.1)?[, ]|Cipher is [A-Z]" <<<"$output" || fail "$version was accepted: $output"
    done
    for cipher in AES128-SHA AES256-GCM-SHA384 ECDHE-ECDSA-AES128-SHA ECDHE-ECDSA-AES256-SHA384; do
        output=$(openssl s_client -connect "127.0.0.1:$tls_port" -tls1_2 -cipher "$cipher" </dev/null 2>&1)
        ! grep -q "Cipher is $cipher" <<<"$output" || fail "TLS 1.2 with $cipher was accepted"
    done
    output=$(openssl s_client -connect "127.0.0.1:$tls_port" -tls1_2 </dev/null 2>&1)
    grep -qE "Cipher is ECDHE-ECDSA-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)" <<<"$output" || fail "TLS 1.2: $output"
    output=$(openssl s_client -connect "127.0.0.1:$tls_port" -tls1_3 </dev/null 2>&1)
    grep -qE "TLSv1.3, Cipher is TLS_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)" <<<"$output" || fail "TLS 1.3: $output"
}

test_securityHeadersOnEveryResponse() {
    local request headers name auth
    # Answers 200, 401, 404, 405, 400 and 200 (authenticated).
    for request in "GET /healthz" "GET /api/v1alpha1/requests" "GET /nowhere" "TRACE /healthz" "GET /api/v1alpha1/requests?state=bad" \
        "GET /api/v1alpha1/audit"; do
        auth=()
        [[ "$request" == *"/audit" || "$request" == *"state=bad" ]] && auth=(-H "Authorization: Bearer $requester_token")
        headers=$(curl -s --cacert "$work/tls.crt" -o /dev/null -D - -X "${request%% *}" "${auth[@]}" "$base${request#* }" | tr -d '\r')
        for name in "X-Content-Type-Options: nosniff" "Cache-Control: no-store" "X-Frame-Options: DENY" \
            "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'" "Referrer-Policy: no-referrer" \
            "Strict-Transport-Security: max-age=31536000"; do
            grep -qi "^$name$" <<<"$headers" || fail "$request: no '$name' in: $headers"
        done
    done
}

test_bodiesAndHeadersAreBounded() {
    local status
    head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$work/big.json"
    status=$(curl -s --cacert "$work/tls.crt" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $requester_token" \
        -H 'Content-Type: application/json' --data-binary @"$work/big.json" "$base/api/v1alpha1/policies:eval")
    [ "$status" = 413 ] || fail "a 2 MiB body got $status, not 413"
    status=$(curl -s --cacert "$work/tls.crt" -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' 'b')" "$base/healthz")
    [ "$status" != 200 ] || fail "a 40 KB header was accepted"
    status=$(curl -s --cacert "$work/tls.crt" -o /dev/null -w '%{http_code}' "$base/healthz")
    [ "$status" = 200 ] || fail "the server did not answer after refusing a large head: $status"
}

test_rateLimitsAnswer429WithRetryAfterAndAreCounted() {
    local i status headers
    for i in 1 2 3 4 5; do
        status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $other_token" "$limited/api/v1alpha1/requests")
        [ "$status" = 200 ] || fail "call $i of 5 within the identity limit got $status"
    done
    headers=$(curl -s -o /dev/null -D - -H "Authorization: Bearer $other_token" "$limited/api/v1alpha1/requests" | tr -d '\r')
    grep -q "^HTTP/1.1 429" <<<"$headers" || fail "the 6th call of one identity was not refused: $headers"
    grep -qiE "^Retry-After: [1-9][0-9]*$" <<<"$headers" || fail "429 without Retry-After: $headers"
    status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $requester_token" "$limited/api/v1alpha1/requests")
    [ "$status" = 200 ] || fail "another identity was refused too ($status)"
    for i in 1 2 3; do
        status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer not-a-token-$i" "$limited/api/v1alpha1/requests")
        [ "$status" = 401 ] || fail "bad token $i got $status"
    done
    headers=$(curl -s -o /dev/null -D - -H "Authorization: Bearer $approver_token" "$limited/api/v1alpha1/requests" | tr -d '\r')
    grep -q "^HTTP/1.1 429" <<<"$headers" || fail "after 3 failed authentications the address was not refused: $headers"
    grep -qiE "^Retry-After: [1-9][0-9]*$" <<<"$headers" || fail "429 without Retry-After: $headers"
    for i in $(seq 1 40); do
        status=$(curl -s -o /dev/null -w '%{http_code}' "$limited/version")
        [ "$status" = 429 ] && break
    done
    [ "$status" = 429 ] || fail "40 more calls from one address were never refused"
    curl -fs "$limited/metrics" >"$work/limited-metrics.txt" || fail "no metrics"
    for limit in identity address failed_authentication; do
        grep -qE "^jitsudo_rate_limited_total\{limit=\"$limit\"\} [1-9]" "$work/limited-metrics.txt" \
            || fail "no jitsudo_rate_limited_total for $limit: $(grep rate_limited "$work/limited-metrics.txt")"
    done
    grep -qE "^jitsudo_authentication_failures_total [3-9]" "$work/limited-metrics.txt" || fail "failed authentications not counted"
}

test_slowClientsAreDisconnected() {
    python3 - "$limited_port" <<'PY' || fail "a slow client kept its connection"
import socket, sys, time
connection = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: a\r\n")
started = time.monotonic()
# One header byte every 100 ms, as a slowloris does; the server (2 s deadline) must close well before 10 s.
while time.monotonic() - started < 10:
    try:
        connection.sendall(b"X")
        connection.settimeout(0.1)
        if connection.recv(1024) == b"":
            break
    except socket.timeout:
        continue
    except OSError:
        break
else:
    sys.exit(1)
elapsed = time.monotonic() - started
print(f"closed after {elapsed:.1f} s")
sys.exit(0 if elapsed < 6 else 1)
PY
}

test_soakOfAllRolesWithBadInputAgainstTwoReplicas() {
    SOAK_REQUESTER_TOKEN=$requester_token SOAK_OTHER_TOKEN=$other_token SOAK_APPROVER_TOKEN=$approver_token \
        SOAK_REFUSED_APPROVER_TOKEN=$refused_approver_token SOAK_ADMIN_TOKEN=$admin_token SOAK_CA_FILE=$work/tls.crt \
        python3 "$here/soak.py" "${SOAK_SECONDS:-45}" "$base,$soak_base" "$server_pid,$soak_pid" | tee "${SOAK_REPORT:-/dev/null}"
    [ "${PIPESTATUS[0]}" -eq 0 ] || fail "the soak failed"
}

test_noSecretInLogsErrorBodiesOrMetrics() {
    local secret hits=0 files
    curl -fs --cacert "$work/tls.crt" "$base/metrics" >"$work/metrics.txt" || fail "no metrics"
    python3 - "$work"/report/har-*.json >"$work/bodies.txt" <<'PY' || fail "cannot read the HAR report"
import json, sys
for path in sys.argv[1:]:
    for entry in json.load(open(path))["log"]["entries"]:
        response = entry["response"]
        print(response.get("content", {}).get("text", ""))
        for header in response.get("headers", []):
            print(header["name"], header["value"])
PY
    [ "$(wc -c <"$work/bodies.txt")" -gt 10000 ] || fail "the HAR report holds almost no responses"
    files=("$work/jitsudod.log" "$work/limited.log" "$work/soak-replica.log" "$work/metrics.txt" "$work/limited-metrics.txt" "$work/bodies.txt")
    for secret in "$admin_token" "$approver_token" "$requester_token" "$other_token" "$refused_approver_token" "$mcp_token" \
        "$credentials_key" "$(sed -n 2p "$work/tls.key")"; do
        [ -n "$secret" ] || fail "an empty sentinel"
        # A token's signature alone is enough to leak it.
        if grep -qF -- "${secret##*.}" "${files[@]}"; then hits=$((hits + 1)); grep -lF -- "${secret##*.}" "${files[@]}" >&2; fi
    done
    [ "$hits" -eq 0 ] || fail "$hits secrets found in logs, bodies or metrics"
}

tests=(
    test_authorizationMatrixFollowsTheDocument
    test_schemathesisFindsNoFailures
    test_everyRefusalLeftTheDatabaseAsItWas
    test_auditChainVerifiesAfterTheRun
    test_undeclaredMethodsGet405WithAllow
    test_tlsOffersOnlyVersions12And13WithForwardSecretAEADSuites
    test_securityHeadersOnEveryResponse
    test_bodiesAndHeadersAreBounded
    test_rateLimitsAnswer429WithRetryAfterAndAreCounted
    test_slowClientsAreDisconnected
    test_soakOfAllRolesWithBadInputAgainstTwoReplicas
    test_noSecretInLogsErrorBodiesOrMetrics
)
started=$(date +%s.%N)
setup_done=0
report_setup_failure() {
    [ "$setup_done" = 1 ] && return
    echo "✘ Test setup() failed after $(seconds_since "$started") seconds."
    sed 's/^/    /' "$work/setup.log"
    echo "✘ Test run with 1 tests failed after $(seconds_since "$started") seconds with 1 issues."
}
trap 'report_setup_failure; cleanup' EXIT
trap 'exit 143' TERM INT # run-tests.sh's time limit: the EXIT trap still stops every server this run started
start_stack 2>"$work/setup.log" || exit 1
setup_done=1
ran=0
failed=0
for test in "${tests[@]}"; do
    name=${test#test_}
    if [ -n "${1:-}" ] && [[ "$name" != *"$1"* ]]; then continue; fi
    ran=$((ran + 1))
    begin=$(date +%s.%N)
    if ("$test") >"$work/$name.log" 2>&1; then
        echo "✔ Test $name() passed after $(seconds_since "$begin") seconds."
    else
        failed=$((failed + 1))
        echo "✘ Test $name() failed after $(seconds_since "$begin") seconds."
        sed 's/^/    /' "$work/$name.log"
    fi
done
if [ "$failed" -eq 0 ]; then
    echo "✔ Test run with $ran tests passed after $(seconds_since "$started") seconds."
else
    echo "✘ Test run with $ran tests failed after $(seconds_since "$started") seconds with $failed issues."
    exit 1
fi
