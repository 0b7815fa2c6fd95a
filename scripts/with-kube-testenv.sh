#!/usr/bin/env bash
# Runs a command with a fresh Kubernetes test environment (scripts/kube-testenv.sh, its own runtime directory,
# the cached build) and stops it afterwards. Exports JITSUDO_TEST_KUBECONFIG and JITSUDO_TEST_KUBE_VOLUME_ROOT. When the environment cannot be
# brought up, the command still runs, with JITSUDO_TEST_KUBE_UNAVAILABLE set to the reason: the Kubernetes
# integration tests then fail with it (they never pass silently).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
run=$(mktemp -d /tmp/jitsudo-test-kube.XXXXXX)
export KUBE_TESTENV_RUN=$run
cleanup() { "$here/kube-testenv.sh" down >/dev/null 2>&1; rm -rf "$run"; }
trap cleanup EXIT
started=$SECONDS
if out=$("$here/kube-testenv.sh" up 2>"$run.err"); then
    JITSUDO_TEST_KUBECONFIG=$(echo "$out" | tail -1 | sed -n 's/^export KUBECONFIG=//p')
    export JITSUDO_TEST_KUBECONFIG
    # The fakelet's --volume-root: a persistentVolumeClaim named C is the directory $JITSUDO_TEST_KUBE_VOLUME_ROOT/C.
    export JITSUDO_TEST_KUBE_VOLUME_ROOT=$run/volumes
    echo "test Kubernetes API server up in $((SECONDS - started)) s (KUBECONFIG=$JITSUDO_TEST_KUBECONFIG)" >&2
else
    reason=$(grep 'kube-testenv: error' "$run.err" | tail -1)
    export JITSUDO_TEST_KUBE_UNAVAILABLE="${reason:-kube-testenv.sh up failed (see its output above)}"
    cat "$run.err" >&2
    echo "!!! the Kubernetes test environment is unavailable: $JITSUDO_TEST_KUBE_UNAVAILABLE" >&2
fi
rm -f "$run.err"
"$@"
