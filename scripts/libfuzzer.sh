#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer (swiftc -sanitize=fuzzer,address) of one target for SECONDS.
#
#   scripts/libfuzzer.sh TARGET SECONDS        TARGET: rego, inputs, jws, audit, config
#
# Each target (Tests/Fuzz/<Name>FuzzTarget.swift) is compiled with the sources it exercises into one binary in
# .build/fuzz/ (only those sources are instrumented); the packages they import (swift-crypto, Yams) are linked from the
# release build's objects (.build-release, what `make images` and `make test` build; built here when missing):
#   rego    the Rego lexer, parser, compiler and evaluator with step and time budgets (Sources/Rego);
#   inputs  JSON body parsing of every endpoint (against Foundation's decoder), RFC 3339 times and durations (JitsudoAPI, JitsudoCore);
#   jws     the Authorization header, compact JWS, signatures and claims, and JWKS documents (JitsudoAuth);
#   audit   the audit chain's pre-image, link and streaming verifier, and audit times (JitsudoCore);
#   config  jitsudod's YAML settings file and kubeconfigs (ConfigurationFile, KubernetesConfiguration, CheckedYAML).
# Seed corpora: the conformance cases and Tests/RegoTests/Cases (rego), request bodies, times and durations (inputs),
# tokens signed with the target's fixed key (jws), linked events (audit), the chart's values and kubeconfigs (config).
# Tests/Fuzz/Regressions/<target>/ holds every input that once crashed: each run starts with them. Findings stay in
# .build/fuzz/<target>-corpus and crash-* files; a crash fails the run (add the input to Regressions/<target>/ and a
# test). Prints executions/s and coverage (libFuzzer's cov:/ft:) at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/libfuzzer.sh TARGET SECONDS}
seconds=${2:-60}
out=.build/fuzz
mkdir -p "$out"
crypto=(Crypto _CryptoExtras CryptoExtras CryptoBoringWrapper CCryptoBoringSSL CCryptoBoringSSLShims CXKCP CXKCPShims SwiftASN1)
linked=()
case "$target" in
    rego) sources=(Sources/Rego) harness=Tests/Fuzz/RegoFuzzTarget.swift module=Rego linked=("${crypto[@]}") ;;
    inputs)
        sources=(Sources/JitsudoAPI/JSONValue.swift Sources/JitsudoAPI/JSONValueParser.swift Sources/JitsudoAPI/RequestFields.swift Sources/JitsudoAPI/APIError.swift
            Sources/JitsudoCore/AuditTimestamp.swift Sources/JitsudoCore/GrantDuration.swift Sources/JitsudoCore/CoreError.swift)
        harness=Tests/Fuzz/InputsFuzzTarget.swift module=Inputs linked=(BoundedJSON)
        ;;
    jws)
        sources=(Sources/JitsudoAuth/{AuthError,Base64URL,BearerToken,CompactJWS,JSONWebKey,OIDCConfiguration,TokenClaims,VerifiedIdentity}.swift)
        harness=Tests/Fuzz/JWSFuzzTarget.swift module=JWS linked=(BoundedJSON "${crypto[@]}")
        ;;
    audit)
        sources=(Sources/JitsudoCore/{AuditChain,AuditEvent,AuditDetails,AuditTimestamp,Hashing}.swift)
        harness=Tests/Fuzz/AuditFuzzTarget.swift module=Audit linked=("${crypto[@]}")
        ;;
    config)
        sources=(Sources/JitsudoServer/{ConfigurationFile,ConfigurationError}.swift
            Sources/KubernetesClient/{KubernetesConfiguration,KubernetesError,ResourceType,KubernetesTime}.swift)
        harness=Tests/Fuzz/ConfigFuzzTarget.swift module=Config linked=(BoundedJSON CheckedYAML Yams CYaml)
        ;;
    *) echo "unknown target $target (rego, inputs, jws, audit, config)" >&2; exit 2 ;;
esac
# FUZZ_OPTIMIZATION=-Onone compiles in seconds instead of minutes (the Rego engine: 18 s instead of 5 min) and runs
# about a third as fast: what the short run in `make test` uses (Tests/Fuzz/libfuzzer-smoke.sh).
optimization=${FUZZ_OPTIMIZATION:--O}
binary=$out/$target-fuzzer$([ "$optimization" = -O ] || echo "$optimization")
mapfile -t files < <(find "${sources[@]}" -name '*.swift' | sort)
# The release build's objects and module interfaces of the linked packages (their C modules by their module maps).
release=.build-release/x86_64-unknown-linux-gnu/release
link_arguments=()
if [ ${#linked[@]} -gt 0 ]; then
    # Up to date after `make images` (a no-op then); BoundedJSON is ours, so it may have changed since.
    echo "libfuzzer: the release objects of ${linked[*]} (swift build -c release, .build-release)" >&2
    swift build -c release --static-swift-stdlib --product jitsudod --scratch-path .build-release -j "${JOBS:-2}" >"$out/release-build.log" 2>&1 ||
        { tail -20 "$out/release-build.log" >&2; echo "libfuzzer: the release build failed (log: $out/release-build.log)" >&2; exit 1; }
    link_arguments=(-I "$release/Modules")
    while IFS= read -r -d '' map; do link_arguments+=(-Xcc "-fmodule-map-file=$map"); done < <(
        find .build-release/checkouts/swift-crypto/Sources/CCryptoBoringSSL{,Shims}/include .build-release/checkouts/Yams/Sources/CYaml/include \
            -name module.modulemap -print0 2>/dev/null)
    for name in "${linked[@]}"; do
        while IFS= read -r -d '' object; do link_arguments+=("$object"); done < <(find "$release/$name.build" -name '*.o' -print0)
    done
fi
linked_objects=()
for argument in "${link_arguments[@]}"; do [[ "$argument" == *.o ]] && linked_objects+=("$argument"); done
if [ ! -x "$binary" ] || [ -n "$(find "${files[@]}" "$harness" "$0" "${linked_objects[@]}" -newer "$binary" | head -1)" ]; then
    rm -f "$binary"
    # -static-stdlib: the release objects were built so (--static-swift-stdlib) and name its static libraries.
    swiftc "$optimization" -static-stdlib -sanitize=fuzzer,address -parse-as-library -module-name "$module" "${files[@]}" "$harness" \
        "${link_arguments[@]}" -o "$binary" 2>&1 | grep -v "Cannot export local symbol\|the use of .mktemp. is dangerous" >&2 || true
    [ -x "$binary" ] || { echo "compiling the $target fuzzer failed" >&2; exit 1; }
fi
corpus=$out/$target-corpus
mkdir -p "$corpus"
if [ -z "$(ls -A "$corpus")" ]; then
    case "$target" in
        inputs)
            i=0
            for seed in '{"provider":"mock","role":"admin","durationSeconds":"3600","reason":"INC-1","breakGlass":false,"metadata":{"a":"b"}}' \
                '{"duration_seconds":600,"resource_scope":"x"}' '{"name":"p","type":2,"rego":"package x","enabled":"true"}' \
                '{"trustTier":4,"notes":null}' '{"inputJson":"{}","now":"2026-03-18T10:00:00.123456Z"}' '[1,2,{"a":[null]}]' \
                2026-03-20T16:00:00Z 2h30m 1d 90s 12h; do
                printf '%s' "$seed" >"$corpus/seed-$i"
                i=$((i + 1))
            done
            ;;
        jws) python3 Tests/Fuzz/jws_seeds.py "$corpus" ;;
        audit)
            printf 'alice@example.com\x1frequest.create\x1freq_01\x1fmock\x1fadmin\x1fs\x1f{"reason":"INC-1"}\x1f2026-03-18T10:00:00.123456Z' >"$corpus/seed-0"
            printf 'system\x1fgrant.expired\x1f\x1faws\x1f123456789012\x1ff\x1f{}\x1f2026-03-18T10:00:00Z\x1fbob@example.com\x1frequest.approve\x1freq_02\x1fgcp\x1fproj\x1fs\x1f{"a":[1,2]}\x1f1970-01-01T00:00:00.000001Z' >"$corpus/seed-1"
            ;;
        config)
            cp helm/jitsudo/values.yaml "$corpus/values.yaml"
            printf 'http_addr: ":8443"\nshutdown_delay_seconds: 5\noidc:\n  issuer: https://idp.example.com\nproviders:\n  aws:\n    enabled: true\n    allowed_roles: [a, b]\n' >"$corpus/jitsudod.yaml"
            printf 'apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts:\n- name: c\n  context: {cluster: k, user: u, namespace: jitsudo}\nclusters:\n- name: k\n  cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}\nusers:\n- name: u\n  user: {token: abc}\n' >"$corpus/kubeconfig"
            ;;
    esac
fi
if [ -z "$(ls -A "$corpus")" ] && [ "$target" = rego ]; then
    python3 - "$corpus" ../shared/conformance/rego Tests/RegoTests/Cases <<'PY'
import hashlib, json, os, sys
corpus, roots = sys.argv[1], sys.argv[2:]
def cases(path):
    text = open(path, encoding="utf-8").read()
    if path.endswith(".jsonl"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    value = json.loads(text)
    return value if isinstance(value, list) else value.get("cases", [])
count = 0
for root in roots:
    for folder, _, names in os.walk(root):
        for name in names:
            if not name.endswith((".json", ".jsonl")):
                continue
            for case in cases(os.path.join(folder, name)):
                for module in case.get("modules", []) if isinstance(case, dict) else []:
                    data = module.encode() + b"\0" + json.dumps(case.get("input", {})).encode()
                    open(os.path.join(corpus, hashlib.sha1(data).hexdigest()), "wb").write(data)
                    count += 1
print(f"seeded {count} inputs", file=sys.stderr)
PY
fi
# -timeout: an input running longer than 10 s is a hang (the evaluator's own budget is 100 ms).
# Leak detection is off by default (FUZZ_DETECT_LEAKS=1 turns it on): the Rego compiler leaks about 1 KB per
# compilation through a reference cycle (reproducer: "package test\n\np := data[2]", see SECURITY.md), which would
# stop every run at its first input.
# Unoptimised frames (with ASan's redzones) are several times the release build's, and the evaluator's depth limit
# (200 nested rule evaluations) is sized for release frames: give the unoptimised run a larger stack, as its
# stand-in for the same recursion depth.
[ "$optimization" = -O ] || ulimit -s 262144
regressions=()
[ -d "Tests/Fuzz/Regressions/$target" ] && regressions=("Tests/Fuzz/Regressions/$target")
ASAN_OPTIONS=detect_leaks=${FUZZ_DETECT_LEAKS:-0} "./$binary" "$corpus" "${regressions[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -detect_leaks="${FUZZ_DETECT_LEAKS:-0}" \
    -artifact_prefix="$out/$target-" 2>"$out/$target.log" || { tail -40 "$out/$target.log" >&2; exit 1; }
runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$out/$target.log")
cov=$(grep -E "^#[0-9]+" "$out/$target.log" | tail -1 | sed -nE 's/.*cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*/cov \1, features \2, corpus \3/p')
echo "$target: ${runs:-0} executions in ${seconds} s ($(( ${runs:-0} / seconds ))/s), $cov"
