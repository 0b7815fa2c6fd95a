#!/usr/bin/env bash
# Builds the release tarballs (`make release`): for linux x86_64, one per executable — jitsudo (the CLI), jitsudod and
# jitsudo-operator — each a release build with the Swift standard library linked in statically (scratch path
# .build-release, shared with `make images`), stripped, with its shell completions (bash, zsh, fish; from
# --generate-completion-script), its man pages (swift-argument-parser's generate-manual, the tool behind its
# generate-manual plugin) and an INSTALL note. Into --out (default .build-dist):
#   PRODUCT-VERSION-linux-x86_64.tar.gz   bin/, share/man/man1/, share/{bash-completion,zsh,fish}/…, INSTALL
#   PRODUCT-VERSION-linux-x86_64.debug    the binary's debug symbols (for symbolicating crashes)
#   SHA256SUMS                            checksums of all of the above (`sha256sum -c SHA256SUMS`)
# Tarballs are reproducible: sorted entries, owner 0, times SOURCE_DATE_EPOCH (default: the commit's time), gzip -n.
#
#   scripts/build-release.sh [--bin-dir DIR] [--out DIR]
set -euo pipefail

cd "$(dirname "$0")/.."
out=.build-dist
bin_dir=""
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=$2; shift 2 ;;
        --bin-dir) bin_dir=$2; shift 2 ;;
        *) echo "usage: scripts/build-release.sh [--bin-dir DIR] [--out DIR]" >&2; exit 2 ;;
    esac
done
products=(jitsudo jitsudod jitsudo-operator)
version=$(sed -nE 's/.*static let current = "([^"]+)".*/\1/p' Sources/JitsudoCore/JitsudoVersion.swift)
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}  # 0 outside a git checkout
build=(swift build -c release --static-swift-stdlib --scratch-path .build-release -j "${JOBS:-2}")

if [ -z "$bin_dir" ]; then
    for product in "${products[@]}"; do "${build[@]}" --product "$product"; done
    bin_dir=$("${build[@]}" --show-bin-path)
fi
bin_dir=$(realpath "$bin_dir")
# The generate-manual tool from the swift-argument-parser checkout this package resolved (what its plugin runs).
"${build[@]}" --product generate-manual
generate_manual=$("${build[@]}" --show-bin-path)/generate-manual

mkdir -p "$out"
rm -f "$out"/*-linux-x86_64.tar.gz "$out"/*-linux-x86_64.debug "$out/SHA256SUMS"
for product in "${products[@]}"; do
    name=$product-$version-linux-x86_64
    work=$(mktemp -d)
    root=$work/$name
    install -d "$root/bin" "$root/share/man/man1" "$root/share/bash-completion/completions" "$root/share/zsh/site-functions" \
        "$root/share/fish/vendor_completions.d"
    objcopy --only-keep-debug "$bin_dir/$product" "$out/$name.debug"
    chmod 0644 "$out/$name.debug"
    (cd "$out" && objcopy --strip-all --add-gnu-debuglink="$name.debug" "$bin_dir/$product" "$root/bin/$product")
    chmod 0755 "$root/bin/$product"
    "$root/bin/$product" --generate-completion-script bash >"$root/share/bash-completion/completions/$product"
    "$root/bin/$product" --generate-completion-script zsh >"$root/share/zsh/site-functions/_$product"
    "$root/bin/$product" --generate-completion-script fish >"$root/share/fish/vendor_completions.d/$product.fish"
    "$generate_manual" "$root/bin/$product" --multi-page --date "$(date -u -d "@$epoch" +%Y-%m-%d)" \
        --section 1 --authors "the jitsudo authors" --output-directory "$root/share/man/man1" >/dev/null
    sed "s/@PRODUCT@/$product/g; s/@VERSION@/$version/g; s/@NAME@/$name/g" scripts/release-INSTALL.txt >"$root/INSTALL"
    find "$root" -type f ! -path "*/bin/*" -exec chmod 0644 {} +
    find "$root" -type d -exec chmod 0755 {} +
    tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner --format=gnu -C "$work" -cf - "$name" \
        | gzip -9 -n >"$out/$name.tar.gz"
    rm -rf "$work"
    echo "$out/$name.tar.gz ($(stat -c %s "$out/$name.tar.gz") bytes)"
done
(cd "$out" && sha256sum ./*-linux-x86_64.tar.gz ./*-linux-x86_64.debug | sed 's| \./| |' >SHA256SUMS)
echo "$out/SHA256SUMS"
