#!/usr/bin/env bash
# Builds the OCI images of jitsudod and jitsudo-operator without a Docker engine (`make images`).
#
#   scripts/build-image.sh [--bin-dir DIR] [--out DIR] PRODUCT...
#
# PRODUCT is jitsudod or jitsudo-operator. Without --bin-dir each product is first built as a release binary with the
# Swift standard library linked in statically (into the scratch path .build-release, apart from the debug build);
# --bin-dir DIR takes the binaries already built there instead (the tests re-assemble from the same binaries).
#
# The root filesystem holds only what the binary needs: the stripped binary in /usr/local/bin, the shared libraries
# `ldd` lists (the C library, libstdc++, …), the CA bundle, the time-zone data (the Rego time builtins), /etc/passwd
# and /etc/group with the non-root user jitsudo (65532), an empty /tmp, and the empty mount points /proc, /sys and
# /dev — no shell, no package manager. It becomes one
# layer of an OCI image assembled by umoci, with every timestamp set to SOURCE_DATE_EPOCH (default: the commit's
# time) and entries in sorted order, so the same binaries and commit give the same image digest. Per product, under
# --out (default .build-images) in PRODUCT/:
#   oci/                the OCI image layout, tagged VERSION (`skopeo copy oci:…/oci:VERSION docker://REGISTRY/…`)
#   image.tar           the same image as a docker-archive named REPOSITORY:VERSION (`docker load`, `podman load`,
#                       `kind load image-archive`)
#   PRODUCT.debug       the debug symbols stripped from the binary (for symbolicating crashes; linked by
#                       .gnu_debuglink)
#   sbom.spdx.json      SPDX 2.3: the Swift packages linked in (from Package.resolved) and the Debian packages whose
#                       files were copied in
#   digest, sizes       the manifest digest; compressed and uncompressed sizes in bytes
#   reference           the image's name, REGISTRY/PRODUCT:VERSION (the chart's default)
#   SHA256SUMS          checksums of the files above
# Environment: IMAGE_REGISTRY (default ghcr.io/jitsudo, the chart's default), IMAGE_SOURCE (the source URL label),
# IMAGE_LICENSES (an SPDX expression for the licenses label; default Apache-2.0, the repository's LICENSE),
# SOURCE_DATE_EPOCH.
set -euo pipefail

cd "$(dirname "$0")/.."
out=.build-images
bin_dir=""
products=()
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=$2; shift 2 ;;
        --bin-dir) bin_dir=$2; shift 2 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) echo "build-image.sh: unknown option $1" >&2; exit 2 ;;
        *) products+=("$1"); shift ;;
    esac
done
[ ${#products[@]} -gt 0 ] || { echo "usage: scripts/build-image.sh [--bin-dir DIR] [--out DIR] jitsudod|jitsudo-operator..." >&2; exit 2; }
for tool in umoci skopeo objcopy jq python3; do
    command -v "$tool" >/dev/null || { echo "build-image.sh: $tool is missing (scripts/ensure-deps.sh installs it)" >&2; exit 1; }
done

version=$(sed -nE 's/.*static let current = "([^"]+)".*/\1/p' Sources/JitsudoCore/JitsudoVersion.swift)
[ -n "$version" ] || { echo "build-image.sh: no version in Sources/JitsudoCore/JitsudoVersion.swift" >&2; exit 1; }
# Outside a git checkout (an exported tree) the revision is "unknown" and the timestamps are the epoch: still the same
# digest for the same binaries.
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
# A tree with uncommitted changes is labelled as such: the image is then not exactly that commit.
if [ "$revision" != unknown ]; then git diff --quiet HEAD -- Sources Package.swift 2>/dev/null || revision="$revision-dirty"; fi
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
registry=${IMAGE_REGISTRY:-ghcr.io/jitsudo}
source_url=${IMAGE_SOURCE:-https://github.com/jitsudo/jitsudo}
licenses=${IMAGE_LICENSES:-Apache-2.0}
uid=65532

if [ -z "$bin_dir" ]; then
    for product in "${products[@]}"; do
        swift build -c release --static-swift-stdlib --product "$product" --scratch-path .build-release -j "${JOBS:-2}"
    done
    bin_dir=$(swift build -c release --static-swift-stdlib --scratch-path .build-release --show-bin-path)
fi

# The files of the root filesystem, for ldd's libraries: the path the loader asks for, holding the resolved file.
shared_libraries() {
    ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u
}

# Owning Debian package of a copied file, as name=version (the path as dpkg knows it, usr-merge or not).
debian_package() {
    local path=$1 package
    package=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null || true)
    package=${package%%:*}
    package=${package%%,*}
    [ -n "$package" ] || return 0
    echo "$package=$(dpkg-query -W -f='${Version}' "$package")"
}

# umoci gzips at the default level; level 9 makes the pushed image ~8 % smaller (jitsudod: 52.3 → 48.1 MB). The
# layer's uncompressed digest (the config's diff_id) is unchanged; the manifest and index.json point at the new blob.
# gzip -n writes no name or time, so the same layer gives the same bytes.
recompress_layer() {
    local layout=$1 manifest_digest manifest old new size
    manifest_digest=$(jq -r --arg tag "$version" \
        '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $tag) | .digest' "$layout/index.json")
    manifest=$(cat "$layout/blobs/sha256/${manifest_digest#sha256:}")
    old=$(jq -r '.layers[0].digest' <<<"$manifest")
    gzip -dc "$layout/blobs/sha256/${old#sha256:}" | gzip -9 -n >"$layout/blobs/layer.tmp"
    new=sha256:$(sha256sum "$layout/blobs/layer.tmp" | cut -d' ' -f1)
    size=$(stat -c %s "$layout/blobs/layer.tmp")
    mv "$layout/blobs/layer.tmp" "$layout/blobs/sha256/${new#sha256:}"
    jq -cj --arg d "$new" --argjson s "$size" '.layers[0].digest = $d | .layers[0].size = $s' <<<"$manifest" \
        >"$layout/blobs/manifest.tmp"
    new=sha256:$(sha256sum "$layout/blobs/manifest.tmp" | cut -d' ' -f1)
    size=$(stat -c %s "$layout/blobs/manifest.tmp")
    mv "$layout/blobs/manifest.tmp" "$layout/blobs/sha256/${new#sha256:}"
    jq -c --arg old "$manifest_digest" --arg d "$new" --argjson s "$size" \
        '.manifests |= map(if .digest == $old then .digest = $d | .size = $s else . end)' "$layout/index.json" >"$layout/index.tmp"
    mv "$layout/index.tmp" "$layout/index.json"
}

assemble() {
    local product=$1 binary dir="$out/$1" work root
    [ -x "$bin_dir/$product" ] || { echo "build-image.sh: no binary $bin_dir/$product" >&2; exit 1; }
    binary=$(realpath "$bin_dir/$product")
    local entrypoint port description cmd=()
    case "$product" in
        jitsudod)
            port=8443/tcp; cmd=(serve)
            description="The jitsudo control plane: REST API, policy engine, request workflow and audit log." ;;
        jitsudo-operator)
            port=8080/tcp
            description="Kubernetes operator for jitsudo: reconciles the jitsudod Deployment, rotates TLS, drives restores." ;;
        *) echo "build-image.sh: no image for product $product" >&2; exit 2 ;;
    esac
    entrypoint=/usr/local/bin/$product
    work=$(mktemp -d)
    root=$work/rootfs
    mkdir -p "$dir"
    rm -rf "${dir:?}/oci" "$dir/image.tar"

    # The binary, stripped; its debug symbols beside the image.
    objcopy --only-keep-debug "$binary" "$dir/$product.debug"
    chmod 0644 "$dir/$product.debug"
    install -d -m 0755 "$root/usr/local/bin"
    (cd "$dir" && objcopy --strip-all --add-gnu-debuglink="$product.debug" "$binary" "$work/$product")
    install -m 0755 "$work/$product" "$root$entrypoint"

    local debs=() lib
    while read -r lib; do
        install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
        debs+=("$(debian_package "$lib")")
    done < <(shared_libraries "$binary")
    install -D -m 0644 "$(readlink -f /etc/ssl/certs/ca-certificates.crt)" "$root/etc/ssl/certs/ca-certificates.crt"
    debs+=("ca-certificates=$(dpkg-query -W -f='${Version}' ca-certificates)")
    install -d -m 0755 "$root/usr/share"
    cp -a /usr/share/zoneinfo "$root/usr/share/zoneinfo"
    rm -rf "$root/usr/share/zoneinfo/right"
    debs+=("$(debian_package /usr/share/zoneinfo/UTC)")
    install -d -m 0755 "$root/etc"
    printf 'root:x:0:0:root:/root:/nonexistent\njitsudo:x:%s:%s:jitsudo:/nonexistent:/nonexistent\n' "$uid" "$uid" >"$root/etc/passwd"
    printf 'root:x:0:\njitsudo:x:%s:\n' "$uid" >"$root/etc/group"
    printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
    chmod 0644 "$root/etc/passwd" "$root/etc/group" "$root/etc/nsswitch.conf"
    install -d -m 1777 "$root/tmp"
    # Mount points the container runtime fills (it could create them, but not on a read-only root filesystem later);
    # the Swift runtime reads the command line from /proc/self/cmdline.
    install -d -m 0555 "$root/proc" "$root/sys"
    install -d -m 0755 "$root/dev"
    chown -R 0:0 "$root" 2>/dev/null || true
    find "$root" -exec touch -h -d "@$epoch" {} +

    # One layer; umoci walks the directory in lexical order and takes the times set above.
    local ref="$dir/oci:$version"
    umoci init --layout "$dir/oci"
    umoci new --image "$ref"
    umoci insert --rootless --image "$ref" --history.created "$created" --history.created_by "scripts/build-image.sh $product" \
        "$root" /
    local args=(--config.user "$uid:$uid" --config.entrypoint "$entrypoint" --config.exposedports "$port"
        --config.workingdir / --config.env PATH=/usr/local/bin --created "$created" --author jitsudo --os linux
        --architecture amd64
        --config.label "org.opencontainers.image.title=$product"
        --config.label "org.opencontainers.image.description=$description"
        --config.label "org.opencontainers.image.version=$version"
        --config.label "org.opencontainers.image.revision=$revision"
        --config.label "org.opencontainers.image.source=$source_url"
        --config.label "org.opencontainers.image.licenses=$licenses"
        --config.label "org.opencontainers.image.created=$created")
    local c
    for c in "${cmd[@]}"; do args+=(--config.cmd "$c"); done
    umoci config --no-history --image "$ref" "${args[@]}"
    recompress_layer "$dir/oci"
    umoci gc --layout "$dir/oci"
    skopeo --insecure-policy copy --quiet "oci:$ref" "docker-archive:$dir/image.tar:$registry/$product:$version"

    local digest manifest layer compressed uncompressed
    digest=$(jq -r --arg tag "$version" \
        '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $tag) | .digest' "$dir/oci/index.json")
    echo "$digest" >"$dir/digest"
    echo "$registry/$product:$version" >"$dir/reference"
    manifest="$dir/oci/blobs/sha256/${digest#sha256:}"
    layer="$dir/oci/blobs/sha256/$(jq -r '.layers[0].digest' "$manifest" | cut -d: -f2)"
    compressed=$(($(stat -c %s "$layer") + $(stat -c %s "$manifest") + $(jq -r '.config.size' "$manifest")))
    uncompressed=$(gzip -dc "$layer" | wc -c)
    printf 'compressed %s\nuncompressed %s\nbinary %s\nbinary_unstripped %s\n' "$compressed" "$uncompressed" \
        "$(stat -c %s "$root$entrypoint")" "$(stat -c %s "$binary")" >"$dir/sizes"

    # The SBOM: the Swift packages whose modules the link used (the link file list names each module's objects; the
    # scratch path's checkouts say which package holds each module), and the Debian packages copied from.
    local scratch link_list="$bin_dir/$product.product/Objects.LinkFileList" sbom_args=() deb
    scratch=$(realpath "$bin_dir")
    while [ ! -d "$scratch/checkouts" ] && [ "$scratch" != / ]; do scratch=$(dirname "$scratch"); done
    [ -f "$link_list" ] || link_list=/dev/null
    while read -r deb; do [ -n "$deb" ] && sbom_args+=(--deb "$deb"); done < <(printf '%s\n' "${debs[@]}" | sort -u)
    python3 scripts/image-sbom.py --name "$product" --version "$version" --created "$created" --digest "$digest" \
        --source "$source_url" --revision "$revision" --resolved Package.resolved --checkouts "$scratch/checkouts" \
        --link-file-list "$link_list" "${sbom_args[@]}" \
        --swift "$(swift --version 2>/dev/null | sed -nE 's/.*Swift version ([^ ]+).*/\1/p' | head -1)" >"$dir/sbom.spdx.json"
    (cd "$dir" && sha256sum image.tar "$product.debug" sbom.spdx.json digest reference >SHA256SUMS)
    rm -rf "$work"
    printf '%s %s:%s %s (%s bytes compressed, %s uncompressed)\n' "$product" "$registry/$product" "$version" "$digest" \
        "$compressed" "$uncompressed"
}

for product in "${products[@]}"; do assemble "$product"; done
