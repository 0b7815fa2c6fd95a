#!/usr/bin/env bash
# Installs what `make test` needs and a fresh Debian machine may lack. Idempotent; quiet when all is present.
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || missing+=(postgresql)
command -v psql >/dev/null || missing+=(postgresql-client)
command -v pg_dump >/dev/null || missing+=(postgresql-client)
# The restore Jobs' commands run on the host (the fakelet's --run-command-image): pg_restore and gunzip too.
command -v pg_restore >/dev/null || missing+=(postgresql-client)
command -v gunzip >/dev/null || missing+=(gzip)
command -v runuser >/dev/null || missing+=(util-linux)
command -v python3 >/dev/null || missing+=(python3 python3-pip)
command -v openssl >/dev/null || missing+=(openssl)
command -v jq >/dev/null || missing+=(jq)
command -v curl >/dev/null || missing+=(curl)
# The Kubernetes test environment (scripts/kube-testenv.sh): Go and rsync build the API server, etcd stores it;
# kubectl is the machine's own when present, else Debian's (same 1.20 as the test API server).
command -v go >/dev/null || missing+=(golang-go)
command -v rsync >/dev/null || missing+=(rsync)
command -v etcd >/dev/null || missing+=(etcd-server)
[ -d /usr/share/gocode/src/github.com/modern-go/reflect2 ] || missing+=(golang-github-modern-go-reflect2-dev)
command -v kubectl >/dev/null || missing+=(kubernetes-client)
# The style gate of `make test` (make lint) checks every shell script.
command -v shellcheck >/dev/null || missing+=(shellcheck)
# ops/alerts: `promtool check rules` and `promtool test rules` (Debian's prometheus package ships promtool).
command -v promtool >/dev/null || missing+=(prometheus)
# The images (scripts/build-image.sh, `make images`, ImageTests): assembled by umoci, exported by skopeo, no Docker;
# binutils strips the binaries, shellcheck checks the scripts, ca-certificates and tzdata are copied into the images.
command -v umoci >/dev/null || missing+=(umoci)
command -v skopeo >/dev/null || missing+=(skopeo)
command -v objcopy >/dev/null || missing+=(binutils)
command -v shellcheck >/dev/null || missing+=(shellcheck)
# The throughput benchmark (make bench, Benchmarks/run.sh): wrk drives HTTPS, pgbench the SQL baselines.
command -v wrk >/dev/null || missing+=(wrk)
command -v pgbench >/dev/null || missing+=(postgresql-contrib)
[ -f /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
[ -f /usr/share/zoneinfo/UTC ] || missing+=(tzdata)
# The web console's browser test (Tests/ConsoleBrowserTests): Debian's chromium and its WebDriver.
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Real third-party peers the tests talk to: an OIDC provider and an SMTP server (test-only, never at runtime).
python3 -c 'import oidc_provider_mock' 2>/dev/null || python3 -m pip install -q 'oidc-provider-mock==0.3.4'
python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install -q 'aiosmtpd==1.4.6'
python3 -c 'import selenium' 2>/dev/null || python3 -m pip install -q 'selenium==4.51.0'
# Microsoft's published Azure SDK: the azure fake's routes and models, and its conformance test (Tests/Fakes/azure).
python3 -c 'import azure.mgmt.authorization, azure.identity, cryptography' 2>/dev/null \
    || python3 -m pip install -q 'azure-mgmt-authorization==4.0.0' 'azure-identity==1.27.0' 'cryptography==48.0.0'
# The AWS peer (AWSIntegrationTests): moto_server with its IAM checks, boto3 for fixtures, the real aws CLI.
python3 -c 'import moto, flask, flask_cors' 2>/dev/null || python3 -m pip install -q 'moto[server]==5.2.1'
command -v aws >/dev/null || python3 -m pip install -q 'awscli==1.45.11'
# The gcp provider's contract fake and its conformance test read Google's discovery documents from this wheel
# (googleapiclient/discovery_cache/documents) and drive the fake with Google's own client; cryptography verifies JWTs.
python3 -c 'import googleapiclient.discovery, google.auth, google_auth_httplib2, requests' 2>/dev/null \
    || python3 -m pip install -q 'google-api-python-client==2.202.0' 'requests==2.34.2'
python3 -c 'import cryptography' 2>/dev/null || python3 -m pip install -q 'cryptography==48.0.0'
# API contract fuzzing (Tests/APIContractTests): schemathesis against the served OpenAPI document, pinned.
[ "$(python3 -c 'import schemathesis; print(schemathesis.__version__)' 2>/dev/null)" = 4.32.5 ] \
    || python3 -m pip install -q 'schemathesis==4.32.5'
if ! command -v swift >/dev/null; then
    echo "swift is not on PATH: install the Swift 6 toolchain (https://www.swift.org/install/linux/)" >&2
    exit 1
fi
# The real helm binary for the chart tests (HelmChartTests), cached in .tools/helm.
"$(dirname "$0")/ensure-helm.sh" >/dev/null
