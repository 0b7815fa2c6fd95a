#!/usr/bin/env bash
# A real Kubernetes control plane for tests, on loopback only: etcd + kube-apiserver + kube-controller-manager
# (v1.20.2, built from Debian's `kubernetes` source package) and the fakelet (does a kubelet's part).
#
#   scripts/kube-testenv.sh build    fetch the source and build the two binaries if they are not cached yet
#   scripts/kube-testenv.sh up       build if needed, start everything, wait for /readyz; the last line printed is
#                                    `export KUBECONFIG=<path>`. Running `up` again while it runs just prints it.
#   scripts/kube-testenv.sh down     stop what `up` started (by PID) and remove the runtime state
#   scripts/kube-testenv.sh status   say what is running
#
# Everything lives in $KUBE_TESTENV_DIR (default: .kube-testenv/ in the repository, ignored by git):
#   apt/  private apt configuration (deb-src mirroring the machine's Debian deb lines); the system's is untouched
#   src/  the unpacked source tree (with its Go build cache), bin/ the cached binaries, run/ the running instance
#   (KUBE_TESTENV_RUN overrides where the running instance lives, so tests can run their own beside a developer's).
# The fakelet binary is taken from $JITSUDO_FAKELET (default: `swift build --show-bin-path`/jitsudo-fakelet); it is
# built by the one `swift build --build-tests` of `make test`. Without it `up` fails, naming what to build.
# Pods of the image `localhost/jitsudod:<tag>` run as processes of the jitsudod binary next to the fakelet (see
# docs/kubernetes.md, "Pods as processes"); KUBE_TESTENV_RUN_IMAGES changes that mapping. Pods of `postgres:15` (restore
# Jobs) run their own command on this host; their persistentVolumeClaim volumes are directories of $run/volumes/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dir=${KUBE_TESTENV_DIR:-$root/.kube-testenv}
version=${KUBE_SOURCE_VERSION:-1.20.5+really1.20.2-1.1+deb12u1}
aptdir=$dir/apt
srcdir=$dir/src
bindir=$dir/bin
run=${KUBE_TESTENV_RUN:-$dir/run}

log() { echo "kube-testenv: $*" >&2; }
die() { echo "kube-testenv: error: $*" >&2; exit 1; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---------------------------------------------------------------------------------------------------- build

install_deps() {
    local missing=()
    command -v go >/dev/null || missing+=(golang-go)
    command -v rsync >/dev/null || missing+=(rsync)
    command -v etcd >/dev/null || missing+=(etcd-server)
    [ -d /usr/share/gocode/src/github.com/modern-go/reflect2 ] || missing+=(golang-github-modern-go-reflect2-dev)
    command -v openssl >/dev/null || missing+=(openssl)
    command -v curl >/dev/null || missing+=(curl)
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq || die "apt-get update failed: the packages ${missing[*]} cannot be installed"
        apt-get install -y -qq "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
    fi
}

# Writes one `deb-src` line per Debian `deb` entry of the machine (one-line and deb822 formats), into a private
# sources.list. Only entries whose URI names a Debian archive are mirrored.
write_private_sources() {
    mkdir -p "$aptdir/lists/partial" "$aptdir/parts" "$aptdir/cache/archives/partial"
    local out=$aptdir/sources.list
    : >"$out"
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        grep -E '^[[:space:]]*deb[[:space:]]' "$f" | grep -E 'debian' | sed -E 's/^[[:space:]]*deb[[:space:]]/deb-src /' >>"$out" || true
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk '
            function flush() {
                if (types ~ /(^|[[:space:]])deb([[:space:]]|$)/ && uris ~ /debian/) {
                    n = split(uris, u, /[[:space:]]+/); m = split(suites, s, /[[:space:]]+/)
                    opt = (signed != "") ? "[signed-by=" signed "] " : ""
                    for (i = 1; i <= n; i++) for (j = 1; j <= m; j++)
                        if (u[i] != "" && s[j] != "") print "deb-src " opt u[i] " " s[j] " " comps
                }
                types = uris = suites = comps = signed = ""
            }
            /^[[:space:]]*#/ { next }
            /^[[:space:]]*$/ { flush(); next }
            {
                key = $1; sub(/:$/, "", key); val = $0; sub(/^[^:]*:[[:space:]]*/, "", val)
                if (key == "Types") types = val
                else if (key == "URIs") uris = val
                else if (key == "Suites") suites = val
                else if (key == "Components") comps = val
                else if (key == "Signed-By") signed = val
            }
            END { flush() }
        ' "$f" >>"$out"
    done
    [ -s "$out" ] || die "no Debian 'deb' entry found in /etc/apt/sources.list{,.d/*}: cannot mirror it as deb-src"
}

apt_private() {
    apt-get -o Dir::Etc::SourceList="$aptdir/sources.list" -o Dir::Etc::SourceParts="$aptdir/parts" \
        -o Dir::State::Lists="$aptdir/lists" -o Dir::Cache="$aptdir/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User=root "$@"
}

fetch_source() {
    local tree=$srcdir/kubernetes
    [ -f "$tree/.jitsudo-unpacked" ] && return 0
    write_private_sources
    log "fetching the kubernetes $version source with apt (private sources: $aptdir/sources.list)"
    apt_private -qq update || die "apt-get update with the private deb-src sources failed"
    mkdir -p "$srcdir/download"
    (cd "$srcdir/download" && apt_private -qq source --download-only "kubernetes=$version") \
        || die "apt-get source --download-only kubernetes=$version failed (is the version still in the archive? set KUBE_SOURCE_VERSION)"
    local orig
    orig=$(find "$srcdir/download" -maxdepth 1 -name 'kubernetes_*.orig.tar.*' | head -1)
    [ -n "$orig" ] || die "the downloaded source has no orig tarball in $srcdir/download"
    rm -rf "$tree" "$srcdir/unpack"
    mkdir -p "$srcdir/unpack"
    tar -xf "$orig" -C "$srcdir/unpack"
    local top
    top=$(find "$srcdir/unpack" -mindepth 1 -maxdepth 1 -type d | head -1)
    [ -f "$top/Makefile" ] || die "unexpected layout of $orig (no Makefile at the top)"
    mv "$top" "$tree"
    rmdir "$srcdir/unpack"
    # Go >= 1.18 makes reflect2 v1.0.1 panic on list calls: use Debian's 1.0.2.
    rm -rf "$tree/vendor/github.com/modern-go/reflect2"
    rsync -a --exclude '*_test.go' /usr/share/gocode/src/github.com/modern-go/reflect2/ "$tree/vendor/github.com/modern-go/reflect2/"
    touch "$tree/.jitsudo-unpacked"
}

build() {
    if [ -x "$bindir/kube-apiserver" ] && [ -x "$bindir/kube-controller-manager" ]; then return 0; fi
    install_deps
    fetch_source
    local tree=$srcdir/kubernetes started=$SECONDS
    log "building kube-apiserver and kube-controller-manager (cold: several minutes on 2 cores; log: $srcdir/build.log)"
    if ! (cd "$tree" && make WHAT="cmd/kube-apiserver cmd/kube-controller-manager") >"$srcdir/build.log" 2>&1; then
        tail -30 "$srcdir/build.log" >&2
        die "the kubernetes build failed (full log: $srcdir/build.log)"
    fi
    mkdir -p "$bindir"
    local b
    for b in kube-apiserver kube-controller-manager; do
        local out
        out=$(find "$tree/_output" -type f -name "$b" -perm -u+x | head -1)
        [ -n "$out" ] || die "the build finished but $b is not under $tree/_output"
        cp "$out" "$bindir/$b.tmp" && mv "$bindir/$b.tmp" "$bindir/$b"
    done
    log "built in $((SECONDS - started)) s"
}

# ---------------------------------------------------------------------------------------------------- run

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

is_up() {
    [ -f "$run/kubeconfig" ] && pid_alive "$run/etcd.pid" && pid_alive "$run/apiserver.pid" \
        && pid_alive "$run/controller-manager.pid" && pid_alive "$run/fakelet.pid"
}

fakelet_binary() {
    if [ -n "${JITSUDO_FAKELET:-}" ]; then echo "$JITSUDO_FAKELET"; return; fi
    local bin
    bin=$(cd "$root" && swift build --show-bin-path 2>/dev/null) || true
    echo "$bin/jitsudo-fakelet"
}

wait_for() { # seconds, command...
    local limit=$1
    shift
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        if [ $SECONDS -ge $deadline ]; then return 1; fi
        sleep 0.3
    done
}

fail_up() {
    log "$1"
    local f
    for f in "$run"/*.log; do
        [ -f "$f" ] || continue
        echo "--- last lines of $f" >&2
        tail -15 "$f" >&2
    done
    stop_all
    exit 1
}

# shipped_image_mapping PRODUCT: unpacks $KUBE_TESTENV_IMAGES_DIR/PRODUCT (default .build-images, `make images`) into
# $run/images/PRODUCT and prints the fakelet mapping `<reference>=<bundle>`; fails (printing nothing) when there is no
# such image, when it was built from another commit than this checkout's (its revision label), or without root.
shipped_image_mapping() {
    local product=$1 images=${KUBE_TESTENV_IMAGES_DIR:-$root/.build-images} layout manifest config revision head reference tag
    layout=$images/$product/oci
    [ -f "$images/$product/digest" ] && [ -d "$layout" ] || return 1
    if [ "$(id -u)" -ne 0 ] || ! command -v umoci >/dev/null || ! command -v jq >/dev/null; then
        log "not running the image of $product (needs root, umoci and jq): its pods run the built binary"
        return 1
    fi
    manifest=$layout/blobs/sha256/$(cut -d: -f2 "$images/$product/digest")
    config=$layout/blobs/sha256/$(jq -r '.config.digest' "$manifest" | cut -d: -f2)
    revision=$(jq -r '.config.Labels["org.opencontainers.image.revision"] // ""' "$config")
    head=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
    if [ "${revision%-dirty}" != "$head" ]; then
        log "not running the image in $images/$product: built from ${revision:-an unknown revision}, this checkout is $head (make images)"
        return 1
    fi
    [ -f "$images/$product/reference" ] || { log "no $images/$product/reference: rebuild with make images"; return 1; }
    reference=$(cat "$images/$product/reference")
    tag=${reference##*:}
    mkdir -p "$run/images"
    umoci unpack --image "$layout:$tag" "$run/images/$product" >/dev/null || { log "umoci unpack of $layout:$tag failed"; return 1; }
    echo "$reference" >"$run/images/$product.ref"
    log "pods of $reference run from the image's root filesystem ($run/images/$product)"
    echo "$reference=$run/images/$product"
}

up() {
    if is_up; then
        log "already running (state in $run)"
        echo "export KUBECONFIG=$run/kubeconfig"
        return 0
    fi
    stop_all
    local started=$SECONDS
    build
    local fakelet
    fakelet=$(fakelet_binary)
    [ -x "$fakelet" ] || die "the fakelet is not built ($fakelet): run \`swift build --product jitsudo-fakelet\` (or set JITSUDO_FAKELET)"
    command -v etcd >/dev/null || install_deps
    rm -rf "$run"
    mkdir -p "$run/certs" "$run/etcd"
    local etcd_port peer_port api_port
    etcd_port=$(free_port)
    peer_port=$(free_port)
    api_port=$(free_port)

    openssl genrsa -out "$run/sa.key" 2048 2>/dev/null
    openssl rsa -in "$run/sa.key" -pubout -out "$run/sa.pub" 2>/dev/null
    local token
    token=$(openssl rand -hex 24)
    echo "$token,admin,admin-uid,\"system:masters\"" >"$run/tokens.csv"
    chmod 600 "$run/tokens.csv" "$run/sa.key"

    etcd --name jitsudo-test --data-dir "$run/etcd" \
        --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
        --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
        --initial-cluster "jitsudo-test=http://127.0.0.1:$peer_port" --unsafe-no-fsync \
        >"$run/etcd.log" 2>&1 &
    echo $! >"$run/etcd.pid"
    wait_for 30 curl -fsS "http://127.0.0.1:$etcd_port/health" || fail_up "etcd did not become healthy in 30 s"

    # podtemplates (unused by jitsudo) bypass the watch cache, so a compaction of etcd makes an old resourceVersion
    # answer 410 Gone at once: the tests' way to exercise relisting (the cache would keep serving old versions).
    "$bindir/kube-apiserver" --watch-cache-sizes=podtemplates#0 \
        --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" --insecure-port=0 \
        --cert-dir="$run/certs" --token-auth-file="$run/tokens.csv" --authorization-mode=RBAC \
        --service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$run/sa.pub" \
        --service-account-signing-key-file="$run/sa.key" --service-cluster-ip-range=10.96.0.0/24 \
        --endpoint-reconciler-type=none --etcd-servers="http://127.0.0.1:$etcd_port" \
        --kubelet-preferred-address-types=InternalIP \
        >"$run/apiserver.log" 2>&1 &
    echo $! >"$run/apiserver.pid"

    local server=https://127.0.0.1:$api_port
    cat >"$run/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: jitsudo-test
  cluster:
    server: $server
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: $token
contexts:
- name: jitsudo-test
  context:
    cluster: jitsudo-test
    user: admin
    namespace: default
current-context: jitsudo-test
EOF
    chmod 600 "$run/kubeconfig"
    wait_for 90 curl -fsSk -H "Authorization: Bearer $token" "$server/readyz" \
        || fail_up "kube-apiserver did not answer /readyz within 90 s"

    # The controllers of ../shared/kubernetes-testbed.md, plus pvc-protection: the API server's admission puts its
    # finalizer on every claim, and without the controller a deleted claim (and so its namespace) never goes away.
    "$bindir/kube-controller-manager" --kubeconfig="$run/kubeconfig" --leader-elect=false --port=0 --secure-port=0 \
        --service-account-private-key-file="$run/sa.key" --use-service-account-credentials=false \
        --controllers='*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-route,-service,-attachdetach,-persistentvolume-binder,-persistentvolume-expander,-pv-protection,-ttl,-bootstrapsigner,-tokencleaner,-csrsigning,-csrapproving,-csrcleaner' \
        >"$run/controller-manager.log" 2>&1 &
    echo $! >"$run/controller-manager.pid"

    # Pods of the locally built jitsudod image (`localhost/jitsudod:<tag>`) run as processes of the built jitsudod;
    # KUBE_TESTENV_RUN_IMAGES (space-separated <image-substring>=<binary>) replaces that mapping ("" runs nothing).
    local run_images=() mapping
    # `localhost/jitsudo-operator` runs the chart's operator pods as the built jitsudo-operator (ops/lib/operator-pod.sh
    # adapts the chart's arguments: the published port, the test bed's kubeconfig): ops/cluster.sh installs the chart so.
    local default_images
    default_images="localhost/jitsudod=$(dirname "$fakelet")/jitsudod localhost/jitsudo-operator=$root/ops/lib/operator-pod.sh"
    for mapping in ${KUBE_TESTENV_RUN_IMAGES-$default_images}; do run_images+=(--run-image "$mapping"); done
    # The shipped image of jitsudod (`make images`), when it was built from this checkout: pods of its reference (the
    # chart's default, e.g. ghcr.io/jitsudo/jitsudod:0.1.0) run from its own root filesystem (the fakelet's image
    # bundles: read-only root, the image's user). $run/images/jitsudod.ref names the reference (ops/cluster.sh reads it).
    if mapping=$(shipped_image_mapping jitsudod); then run_images=(--run-image "$mapping" "${run_images[@]}"); fi
    # Pods of `postgres:15` (the operator's restore Jobs) run their own command on this host (pg_dump, psql, gunzip);
    # KUBE_TESTENV_RUN_COMMAND_IMAGES (space-separated image substrings) replaces that list. A persistentVolumeClaim
    # volume is the directory $run/volumes/<claimName> (tests put backup files there).
    for mapping in ${KUBE_TESTENV_RUN_COMMAND_IMAGES-postgres:15}; do run_images+=(--run-command-image "$mapping"); done
    mkdir -p "$run/volumes"
    # The fakelet serves the kubelet's container-log API (for `kubectl logs`, runbook 6) with its own certificate; the
    # API server, given no --kubelet-certificate-authority, does not verify it (loopback only).
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=fakelet-node -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$run/kubelet.key" -out "$run/kubelet.crt" 2>/dev/null
    chmod 600 "$run/kubelet.key"
    KUBECONFIG="$run/kubeconfig" "$fakelet" --node fakelet-node --work-dir "$run/pods" --volume-root "$run/volumes" "${run_images[@]}" \
        --kubelet-cert "$run/kubelet.crt" --kubelet-key "$run/kubelet.key" \
        >"$run/fakelet.log" 2>&1 &
    echo $! >"$run/fakelet.pid"
    wait_for 60 grep -q 'fakelet: ready' "$run/fakelet.log" || fail_up "the fakelet did not register its node within 60 s"
    pid_alive "$run/controller-manager.pid" || fail_up "kube-controller-manager exited"
    echo "$server" >"$run/server"
    echo "http://127.0.0.1:$etcd_port" >"$run/etcd-url"
    log "up in $((SECONDS - started)) s: API server $server (logs in $run)"
    echo "export KUBECONFIG=$run/kubeconfig"
}

stop_pid() { # pidfile
    local f=$1
    [ -f "$f" ] || return 0
    local pid
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        local tries=50
        while [ $tries -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
            sleep 0.1
            tries=$((tries - 1))
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

stop_all() {
    [ -d "$run" ] || return 0
    local p
    for p in fakelet controller-manager apiserver etcd; do stop_pid "$run/$p.pid"; done
}

down() {
    stop_all
    rm -rf "$run"
    log "stopped"
}

status() {
    if is_up; then
        echo "running: API server $(cat "$run/server" 2>/dev/null) (KUBECONFIG=$run/kubeconfig)"
    else
        local p any=0
        for p in etcd apiserver controller-manager fakelet; do
            if pid_alive "$run/$p.pid"; then echo "$p: running (pid $(cat "$run/$p.pid"))"; any=1; fi
        done
        [ $any -eq 1 ] && echo "partially running: run \`$0 down\` then \`$0 up\`" || echo "not running"
        [ -x "$bindir/kube-apiserver" ] && echo "binaries cached in $bindir" || echo "binaries not built yet"
        return 1
    fi
}

case "${1:-}" in
    build) build ;;
    up) up ;;
    down) down ;;
    status) status ;;
    *) echo "usage: $0 build|up|down|status" >&2; exit 2 ;;
esac
