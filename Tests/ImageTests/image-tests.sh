#!/usr/bin/env bash
# ImageTests: the images `make images` built (scripts/build-image.sh), each unpacked with umoci and its binary run
# from the image's own root filesystem — never from the build folder — in a private mount namespace where that root
# filesystem is read-only with a tmpfs on /tmp (as the chart runs it) and the host's /proc and /dev on the image's
# mount points (as a container runtime provides them), chrooted as the image's configured user.
# jitsudod migrates the test PostgreSQL ($JITSUDO_TEST_DATABASE_URL, scripts/with-test-postgres.sh) and serves HTTPS
# with a token from oidc-provider-mock; the operator prints its help. Also: non-root, no shell, labels, SBOM and
# checksums, and the same digest when the same binaries are assembled again (no second compilation).
#
#   scripts/with-test-postgres.sh Tests/ImageTests/image-tests.sh
#
# Output follows swift-testing's lines ("✔ Test name() passed", "✘ Test name() failed after", "Test run with N tests")
# so scripts/run-tests.sh counts it like every other group. Needs root (mount namespace, chroot), umoci, skopeo, curl,
# jq, openssl, psql and python3 with oidc_provider_mock (scripts/ensure-deps.sh).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=scripts/test-lines.sh
source scripts/test-lines.sh
images=${JITSUDO_IMAGES_DIR:-.build-images}
bin_dir=${JITSUDO_RELEASE_BIN_DIR:-.build-release/release}
version=$(sed -nE 's/.*static let current = "([^"]+)".*/\1/p' Sources/JitsudoCore/JitsudoVersion.swift)
work=$(mktemp -d /tmp/jitsudo-image-tests.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Each test runs in its own subshell: `fail` ends it, and its EXIT trap kills what it started in the background.
background=()
stop_background() {
    local pid
    for pid in "${background[@]}"; do kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
}
fail() { echo "$*" >&2; exit 1; }
seconds_since() { awk -v start="$1" -v now="$(date +%s.%N)" 'BEGIN { printf "%.3f", now - start }'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The image's config (the JSON blob the manifest names) and the unpacked bundle, once per image.
config_of() {
    local layout=$images/$1/oci manifest
    manifest=$layout/blobs/sha256/$(cut -d: -f2 "$images/$1/digest")
    cat "$layout/blobs/sha256/$(jq -r '.config.digest' "$manifest" | cut -d: -f2)"
}
unpacked() { echo "$work/bundle-$1"; } # by test_imagesWereBuiltAndUnpack

# in_image PRODUCT [NAME=VALUE...] COMMAND ARGS...: COMMAND run in the image's root filesystem, read-only, with a
# fresh tmpfs on /tmp holding $work/files-PRODUCT (TLS material, configuration), as the image's user, with only
# the given environment. Exec all the way down: the caller's $! is the image's process.
in_image() {
    local product=$1 bundle user
    shift
    bundle=$(unpacked "$product")
    user=$(config_of "$product" | jq -r '.config.User')
    mkdir -p "$work/files-$product"
    # shellcheck disable=SC2016 # expanded by the inner shell
    unshare --mount --propagation private /bin/bash -c '
        root=$1 files=$2 user=$3; shift 3
        mount --bind "$root" "$root" && mount -o remount,ro,bind "$root" && mount --rbind /proc "$root/proc" &&
            mount --rbind /dev "$root/dev" && mount -t tmpfs -o mode=1777,size=64m tmpfs "$root/tmp" && cp -R "$files/." "$root/tmp/" &&
            chown -R "$user" "$root/tmp" || exit 125
        exec env -i "$@"
    ' in_image "$bundle/rootfs" "$work/files-$product" "$user" "$@"
}
chrooted() { # the command after the environment, as the image's user
    local product=$1 user
    user=$(config_of "$product" | jq -r '.config.User')
    echo /usr/sbin/chroot "--userspec=$user" "$(unpacked "$product")/rootfs"
}

test_imagesWereBuiltAndUnpack() {
    local product rootless=()
    [ "$(id -u)" -eq 0 ] || rootless=(--rootless)
    for product in jitsudod jitsudo-operator; do
        [ -f "$images/$product/digest" ] || fail "no $images/$product: run 'make images' first"
        umoci unpack "${rootless[@]}" --image "$images/$product/oci:$version" "$(unpacked "$product")" >/dev/null \
            || fail "umoci unpack of $product failed"
    done
}

test_configRunsAsNonRootWithEntrypointPortAndLabels() {
    local product config user uid expected_port
    for product in jitsudod jitsudo-operator; do
        config=$(config_of "$product")
        user=$(jq -r '.config.User' <<<"$config")
        uid=${user%%:*}
        { [[ "$uid" =~ ^[0-9]+$ ]] && [ "$uid" -ne 0 ]; } || fail "$product: config.User is '$user', not a numeric non-root UID"
        [ "${user#*:}" != 0 ] || fail "$product: runs with group 0"
        # The UID the chart and the operator run the pods as (securityContext.runAsUser).
        [ "$uid" = "$(sed -nE 's/.*static let imageUserID = ([0-9]+).*/\1/p' Sources/OperatorCore/DesiredResources.swift)" ] \
            || fail "$product: UID $uid, but the operator runs jitsudod pods as DesiredResources.imageUserID"
        grep -q "runAsUser: $uid$" helm/jitsudo/templates/operator-deployment.yaml || fail "the chart runs the operator as another UID"
        grep -q "^[^:]*:x:$uid:" "$(unpacked "$product")/rootfs/etc/passwd" || fail "$product: UID $uid not in /etc/passwd"
        [ "$(jq -r '.process.user.uid' "$(unpacked "$product")/config.json")" = "$uid" ] || fail "$product: runtime config's user differs"
        [ "$(jq -r '.config.Entrypoint[0]' <<<"$config")" = "/usr/local/bin/$product" ] || fail "$product: entrypoint"
        expected_port=8443/tcp
        [ "$product" = jitsudo-operator ] && expected_port=8080/tcp
        jq -e --arg p "$expected_port" '.config.ExposedPorts | has($p)' <<<"$config" >/dev/null || fail "$product: port $expected_port"
        # The commit the images were built from: this checkout's (what make test built), or "unknown" outside git.
        jq -e --arg v "$version" --arg t "$product" --arg r "$(git rev-parse HEAD 2>/dev/null || echo unknown)" '.config.Labels as $l
            | $l["org.opencontainers.image.version"] == $v and $l["org.opencontainers.image.title"] == $t
            and ($l["org.opencontainers.image.revision"] | startswith($r))
            and ($l["org.opencontainers.image.source"] | length > 0)
            and $l["org.opencontainers.image.licenses"] == "Apache-2.0"' <<<"$config" >/dev/null || fail "$product: labels $(jq -c .config.Labels <<<"$config")"
    done
}

test_rootFilesystemHasNoShellAndOnlyTheBinaryAndItsLibrariesAreExecutable() {
    local product root shell unexpected
    for product in jitsudod jitsudo-operator; do
        root=$(unpacked "$product")/rootfs
        for shell in bin/sh bin/bash bin/dash bin/busybox usr/bin/sh usr/bin/bash usr/bin/env; do
            [ ! -e "$root/$shell" ] || fail "$product: /$shell exists"
        done
        unexpected=$(cd "$root" && find . -type f -perm /111 ! -path "./usr/local/bin/$product" ! -name '*.so*' | sort)
        [ -z "$unexpected" ] || fail "$product: unexpected executables: $unexpected"
        [ -s "$root/etc/ssl/certs/ca-certificates.crt" ] || fail "$product: no CA bundle"
        [ -f "$root/usr/share/zoneinfo/Europe/Berlin" ] || fail "$product: no time-zone data"
        [ "$(stat -c %a "$root/tmp")" = 1777 ] || fail "$product: /tmp is not 1777"
    done
}

test_jitsudodPrintsItsVersionFromTheImage() {
    local output
    # shellcheck disable=SC2046 # the chroot command line
    output=$(in_image jitsudod $(chrooted jitsudod) /usr/local/bin/jitsudod --version) || fail "jitsudod --version failed: $output"
    [ "$output" = "jitsudod $version" ] || fail "jitsudod --version printed '$output'"
}

test_operatorPrintsItsHelpFromTheImage() {
    local output
    # shellcheck disable=SC2046
    output=$(in_image jitsudo-operator $(chrooted jitsudo-operator) /usr/local/bin/jitsudo-operator --help 2>&1) \
        || fail "jitsudo-operator --help failed: $output"
    grep -q "USAGE: jitsudo-operator" <<<"$output" || fail "unexpected help: $output"
    # shellcheck disable=SC2046
    output=$(in_image jitsudo-operator $(chrooted jitsudo-operator) /usr/local/bin/jitsudo-operator --version)
    [ "$output" = "jitsudo-operator $version" ] || fail "jitsudo-operator --version printed '$output'"
}

database_url() {
    [ -n "${JITSUDO_TEST_DATABASE_URL:-}" ] || fail "JITSUDO_TEST_DATABASE_URL is not set: run under scripts/with-test-postgres.sh"
    echo "${JITSUDO_TEST_DATABASE_URL%/*}/jitsudo_image_tests"
}

test_jitsudodMigratesTheTestDatabaseFromTheImage() {
    local url output
    url=$(database_url) || exit 1
    psql -q "$JITSUDO_TEST_DATABASE_URL" -c 'DROP DATABASE IF EXISTS jitsudo_image_tests' -c 'CREATE DATABASE jitsudo_image_tests' \
        || fail "cannot create the test database"
    # shellcheck disable=SC2046
    output=$(in_image jitsudod "DATABASE_URL=$url" $(chrooted jitsudod) /usr/local/bin/jitsudod migrate 2>&1) \
        || fail "jitsudod migrate failed: $output"
    grep -q "Database schema is now at version" <<<"$output" || fail "unexpected migrate output: $output"
    [ "$(psql -tA "$url" -c 'SELECT count(*) > 0 FROM schema_migrations')" = t ] || fail "no migration recorded after migrate"
}

test_jitsudodServesReadyzAndAnAuthenticatedHTTPSRequestFromTheImage() {
    local url files=$work/files-jitsudod port issuer_port token code body
    url=$(database_url) || exit 1
    trap stop_background EXIT
    mkdir -p "$files/tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=jitsudod \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$files/tls/tls.key" -out "$files/tls/tls.crt" 2>/dev/null \
        || fail "openssl could not make a certificate"

    issuer_port=$(free_port)
    python3 -m oidc_provider_mock --host 127.0.0.1 --port "$issuer_port" >"$work/issuer.log" 2>&1 &
    background+=($!)
    for _ in $(seq 150); do curl -fs "http://127.0.0.1:$issuer_port/.well-known/openid-configuration" >/dev/null && break; sleep 0.1; done
    token=$(id_token "http://127.0.0.1:$issuer_port" alice alice@example.com) || exit 1

    port=$(free_port)
    # shellcheck disable=SC2046
    in_image jitsudod "DATABASE_URL=$url" "JITSUDOD_HTTP_ADDR=127.0.0.1:$port" "JITSUDOD_OIDC_ISSUER=http://127.0.0.1:$issuer_port" \
        "JITSUDOD_TLS_CERT_FILE=/tmp/tls/tls.crt" "JITSUDOD_TLS_KEY_FILE=/tmp/tls/tls.key" \
        "JITSUDOD_CREDENTIALS_KEY=$(openssl rand -base64 32)" "JITSUDOD_PROVIDERS_MOCK_ENABLED=true" \
        $(chrooted jitsudod) /usr/local/bin/jitsudod serve >"$work/jitsudod.log" 2>&1 &
    local server=$!
    background+=("$server")
    for _ in $(seq 300); do
        code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$files/tls/tls.crt" "https://127.0.0.1:$port/readyz")
        [ "$code" = 200 ] && break
        kill -0 "$server" 2>/dev/null || break
        sleep 0.1
    done
    [ "$code" = 200 ] || fail "/readyz answered '$code'; jitsudod log: $(tail -20 "$work/jitsudod.log")"
    code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$files/tls/tls.crt" "https://127.0.0.1:$port/api/v1alpha1/requests")
    [ "$code" = 401 ] || fail "an unauthenticated request got $code, not 401"
    body=$(curl -sf --cacert "$files/tls/tls.crt" -H "Authorization: Bearer $token" "https://127.0.0.1:$port/api/v1alpha1/requests") \
        || fail "the authenticated request failed; jitsudod log: $(tail -20 "$work/jitsudod.log")"
    jq -e . <<<"$body" >/dev/null || fail "not JSON: $body"
    kill -TERM "$server"
    for _ in $(seq 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
    ! kill -0 "$server" 2>/dev/null || fail "jitsudod did not stop on SIGTERM within 5 s"
}

# An ID token from oidc-provider-mock through its authorization-code flow (as Tests/JitsudoHATests/OIDCIssuer.swift).
id_token() {
    local base=$1 subject=$2 email=$3 redirect=http%3A%2F%2F127.0.0.1%2Fcallback location code
    curl -fs -X PUT -H 'Content-Type: application/json' -d "{\"email\":\"$email\",\"groups\":[\"sre\"]}" "$base/users/$subject" \
        >/dev/null || fail "PUT /users failed"
    location=$(curl -s -o /dev/null -w '%{redirect_url}' -d "sub=$subject" \
        "$base/oauth2/authorize?client_id=jitsudo-cli&response_type=code&scope=openid%20email&state=s1&redirect_uri=$redirect")
    code=$(sed -nE 's/.*[?&]code=([^&]+).*/\1/p' <<<"$location")
    [ -n "$code" ] || fail "authorization did not redirect with a code: '$location'"
    curl -fs -d "grant_type=authorization_code&client_id=jitsudo-cli&client_secret=unused&code=$code&redirect_uri=$redirect" \
        "$base/oauth2/token" | jq -er .id_token || fail "token exchange failed"
}

test_sameBinariesAssembleToTheSameDigest() {
    local product
    [ -x "$bin_dir/jitsudod" ] || fail "no release binaries in $bin_dir"
    scripts/build-image.sh --bin-dir "$bin_dir" --out "$work/again" jitsudod jitsudo-operator >"$work/again.log" 2>&1 \
        || fail "re-assembly failed: $(cat "$work/again.log")"
    for product in jitsudod jitsudo-operator; do
        [ "$(cat "$work/again/$product/digest")" = "$(cat "$images/$product/digest")" ] \
            || fail "$product: $(cat "$work/again/$product/digest") after re-assembly, $(cat "$images/$product/digest") before"
        cmp -s "$work/again/$product/image.tar" "$images/$product/image.tar" || fail "$product: the docker-archive differs"
    done
}

test_dockerArchiveNamesTheChartsDefaultImage() {
    local product repository app_version
    app_version=$(sed -nE 's/^appVersion: "?([^"]+)"?$/\1/p' helm/jitsudo/Chart.yaml)
    [ "$app_version" = "$version" ] || fail "Chart.yaml appVersion $app_version, binaries $version"
    for product in jitsudod jitsudo-operator; do
        repository=$(grep -E "repository: .*/$product$" helm/jitsudo/values.yaml | awk '{print $2}')
        [ -n "$repository" ] || fail "values.yaml has no repository for $product"
        tar -xOf "$images/$product/image.tar" manifest.json | jq -e --arg r "$repository:$version" '.[0].RepoTags == [$r]' >/dev/null \
            || fail "$product: the docker-archive is not tagged $repository:$version"
        [ "$(cat "$images/$product/reference")" = "$repository:$version" ] || fail "$product: reference file says $(cat "$images/$product/reference")"
        skopeo inspect "docker-archive:$images/$product/image.tar" >/dev/null || fail "$product: skopeo cannot read the docker-archive"
    done
}

test_sbomListsSwiftAndDebianPackagesAndChecksumsVerify() {
    local product sbom
    for product in jitsudod jitsudo-operator; do
        sbom=$images/$product/sbom.spdx.json
        jq -e '.spdxVersion == "SPDX-2.3"
            and ([.packages[].name] | index("swift-nio") != null and index("libc6") != null and index("ca-certificates") != null
                 and index("tzdata") != null and index("swift-property-based") == null)' "$sbom" >/dev/null \
            || fail "$product: SBOM lacks packages: $(jq -c '[.packages[].name]' "$sbom")"
        # Licenses read from each package's own LICENSE file: ours (Apache-2.0), swift-nio's, postgres-nio's (MIT).
        jq -e --arg p "$product" '[.packages[] | {(.name): .licenseDeclared}] | add
            | .[$p] == "Apache-2.0" and .["swift-nio"] == "Apache-2.0" and .["postgres-nio"] == "MIT"' "$sbom" >/dev/null \
            || fail "$product: SBOM licenses: $(jq -c '[.packages[] | [.name, .licenseDeclared]]' "$sbom")"
        (cd "$images/$product" && sha256sum --quiet -c SHA256SUMS) || fail "$product: checksums do not verify"
    done
}

test_imagesAreUnder50MiBCompressed() {
    local product compressed
    for product in jitsudod jitsudo-operator; do
        compressed=$(sed -nE 's/^compressed ([0-9]+)$/\1/p' "$images/$product/sizes")
        [ "$compressed" -lt $((50 * 1024 * 1024)) ] || fail "$product: $compressed bytes compressed"
    done
}

tests=(
    test_imagesWereBuiltAndUnpack
    test_configRunsAsNonRootWithEntrypointPortAndLabels
    test_rootFilesystemHasNoShellAndOnlyTheBinaryAndItsLibrariesAreExecutable
    test_jitsudodPrintsItsVersionFromTheImage
    test_operatorPrintsItsHelpFromTheImage
    test_jitsudodMigratesTheTestDatabaseFromTheImage
    test_jitsudodServesReadyzAndAnAuthenticatedHTTPSRequestFromTheImage
    test_sameBinariesAssembleToTheSameDigest
    test_dockerArchiveNamesTheChartsDefaultImage
    test_sbomListsSwiftAndDebianPackagesAndChecksumsVerify
    test_imagesAreUnder50MiBCompressed
)
# Optional argument: run only the tests whose name contains it (the first, which unpacks, always runs).
ran=0
failed=0
started=$(date +%s.%N)
for test in "${tests[@]}"; do
    name=${test#test_}
    if [ -n "${1:-}" ] && [ "$test" != "${tests[0]}" ] && [[ "$name" != *"$1"* ]]; then continue; fi
    ran=$((ran + 1))
    begin=$(date +%s.%N)
    if ("$test") >"$work/$name.log" 2>&1; then
        test_passed "$name" "$(seconds_since "$begin")"
    else
        failed=$((failed + 1))
        test_failed "$name" "$(seconds_since "$begin")"
        sed 's/^/    /' "$work/$name.log"
    fi
done
test_run_line "$ran" "$failed" "$(seconds_since "$started")" || exit 1
