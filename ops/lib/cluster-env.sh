# shellcheck shell=bash
# Functions for the local cluster's environment (sourced by <cluster dir>/env.sh, which sets the variables used here).
#
# jitsudo.internal on this machine: the runbooks address the Service as https://jitsudo.internal (port 443). There is
# no DNS entry and nothing may listen on 443 here, so `curl` and `openssl s_client` are wrapped: a URL or -connect
# naming jitsudo.internal[:443] goes to the service proxy's loopback port, the name itself still sent as SNI and
# checked against the certificate (curl --connect-to, s_client -servername). curl trusts ~/.jitsudo/ca.crt (runbook 2,
# step 5: the CA engineers are given). Everything else passes through unchanged.

curl() {
    local extra=()
    case " $* " in
        *jitsudo.internal*)
            extra=(--connect-to "jitsudo.internal:443:127.0.0.1:$JITSUDO_SERVICE_PORT" --cacert "$HOME/.jitsudo/ca.crt")
            ;;
    esac
    command curl "${extra[@]}" "$@"
}

openssl() {
    if [ "${1:-}" = s_client ]; then
        local args=() arg previous=""
        for arg in "$@"; do
            if [ "$previous" = -connect ] && { [ "$arg" = jitsudo.internal:443 ] || [ "$arg" = jitsudo.internal ]; }; then
                args+=("127.0.0.1:$JITSUDO_SERVICE_PORT" -servername jitsudo.internal)
            else
                args+=("$arg")
            fi
            previous=$arg
        done
        command openssl "${args[@]}"
    else
        command openssl "$@"
    fi
}

# jitsudo_token EMAIL [GROUP…]: an ID token for that user from oidc-provider-mock (authorization-code flow), for
# JITSUDO_TOKEN (the CLI's bearer token).
jitsudo_token() {
    local email=$1 subject groups redirect=http%3A%2F%2F127.0.0.1%2Fcallback location code
    shift
    subject=${email%%@*}
    groups=$(printf '%s\n' "$@" | jq -R . | jq -sc .)
    command curl -fs -X PUT -H 'Content-Type: application/json' -d "{\"email\":\"$email\",\"groups\":$groups}" \
        "$JITSUDO_OIDC_URL/users/$subject" >/dev/null || { echo "jitsudo_token: PUT /users/$subject failed" >&2; return 1; }
    location=$(command curl -s -o /dev/null -w '%{redirect_url}' -d "sub=$subject" \
        "$JITSUDO_OIDC_URL/oauth2/authorize?client_id=jitsudo-cli&response_type=code&scope=openid%20email&state=s1&redirect_uri=$redirect")
    code=$(sed -nE 's/.*[?&]code=([^&]+).*/\1/p' <<<"$location")
    [ -n "$code" ] || { echo "jitsudo_token: no authorization code in '$location'" >&2; return 1; }
    command curl -fs -d "grant_type=authorization_code&client_id=jitsudo-cli&client_secret=unused&code=$code&redirect_uri=$redirect" \
        "$JITSUDO_OIDC_URL/oauth2/token" | jq -er .id_token
}
