#!/usr/bin/env bash
# The image entrypoint of `localhost/jitsudo-operator` on the local cluster (scripts/kube-testenv.sh maps that image to
# this script through the fakelet's --run-image): runs the built jitsudo-operator with the chart's arguments, adapted
# to pods that are processes on this machine:
#   --metrics-port=<chart's> becomes the loopback port the fakelet published (JITSUDOD_HTTP_ADDR), so the chart's
#     liveness/readiness probes reach /healthz and /readyz;
#   --kubeconfig: the test bed's (its run directory holds the pod directories: <run>/pods/<namespace>/<pod>/), as
#     the pod has no in-cluster API address here;
#   --pod-port-annotation fakelet.jitsudo.dev/port: jitsudod pods all listen on 127.0.0.1, each on its own port.
# The binary: the path in <run>/operator-binary when present (ops/cluster.sh writes it from JITSUDO_BIN_DIR), else
# this checkout's debug build.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
binary=$root/.build/debug/jitsudo-operator
dir=$PWD
kubeconfig=""
while [ "$dir" != / ]; do
    if [ -f "$dir/kubeconfig" ]; then kubeconfig=$dir/kubeconfig; break; fi
    dir=$(dirname "$dir")
done
[ -n "$kubeconfig" ] || { echo "operator-pod: no kubeconfig above $PWD (not a fakelet pod directory?)" >&2; exit 1; }
[ -f "$dir/operator-binary" ] && binary=$(cat "$dir/operator-binary")
port=${JITSUDOD_HTTP_ADDR##*:}
args=()
for arg in "$@"; do
    case "$arg" in
        --metrics-port=*) ;;
        *) args+=("$arg") ;;
    esac
done
exec "$binary" "${args[@]}" --metrics-port "$port" --metrics-host 127.0.0.1 --kubeconfig "$kubeconfig" \
    --pod-port-annotation fakelet.jitsudo.dev/port
