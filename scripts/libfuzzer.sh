#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer (swiftc -sanitize=fuzzer,address) of one target for SECONDS.
#
#   scripts/libfuzzer.sh rego 60
#
# Targets (Tests/Fuzz/<Name>FuzzTarget.swift), each compiled with the sources it exercises into one binary in
# .build/fuzz/: rego = the Rego lexer, parser, compiler and evaluator with step and time budgets (Sources/Rego);
# inputs = JSON body decoding of every endpoint, RFC 3339 times and durations (JitsudoAPI, JitsudoCore files).
# The rego seed corpus is built from the conformance cases (../shared/conformance/rego) and Tests/RegoTests/Cases,
# the inputs one from the request bodies of Tests/APIContractTests and typical times and durations;
# findings stay in .build/fuzz/<target>-corpus and crash-* files; a crash fails the run (and becomes a regression
# test: add its input to the target's cases). Prints executions/s and coverage (libFuzzer's cov:/ft:) at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/libfuzzer.sh TARGET SECONDS}
seconds=${2:-60}
out=.build/fuzz
mkdir -p "$out"
case "$target" in
    rego) sources=(Sources/Rego -name '*.swift') harness=Tests/Fuzz/RegoFuzzTarget.swift module=Rego ;;
    inputs)
        sources=(Sources/JitsudoAPI/JSONValue.swift Sources/JitsudoAPI/RequestFields.swift Sources/JitsudoAPI/APIError.swift
            Sources/JitsudoCore/AuditTimestamp.swift Sources/JitsudoCore/GrantDuration.swift Sources/JitsudoCore/CoreError.swift)
        harness=Tests/Fuzz/InputsFuzzTarget.swift module=Inputs
        ;;
    *) echo "unknown target $target (rego, inputs)" >&2; exit 2 ;;
esac
binary=$out/$target-fuzzer
mapfile -t files < <(find "${sources[@]}" | sort)
if [ ! -x "$binary" ] || [ -n "$(find "${files[@]}" "$harness" -newer "$binary" | head -1)" ]; then
    swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name "$module" "${files[@]}" "$harness" -o "$binary" 2>&1 \
        | grep -v "Cannot export local symbol" >&2 || true
    [ -x "$binary" ] || { echo "compiling the $target fuzzer failed" >&2; exit 1; }
fi
corpus=$out/$target-corpus
mkdir -p "$corpus"
if [ -z "$(ls -A "$corpus")" ] && [ "$target" = inputs ]; then
    i=0
    for seed in '{"provider":"mock","role":"admin","durationSeconds":"3600","reason":"INC-1","breakGlass":false,"metadata":{"a":"b"}}' \
        '{"duration_seconds":600,"resource_scope":"x"}' '{"name":"p","type":2,"rego":"package x","enabled":"true"}' \
        '{"trustTier":4,"notes":null}' '{"inputJson":"{}","now":"2026-03-18T10:00:00.123456Z"}' '[1,2,{"a":[null]}]' \
        2026-03-20T16:00:00Z 2h30m 1d 90s 12h; do
        printf '%s' "$seed" >"$corpus/seed-$i"
        i=$((i + 1))
    done
fi
if [ -z "$(ls -A "$corpus")" ]; then
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
ASAN_OPTIONS=detect_leaks=${FUZZ_DETECT_LEAKS:-0} "./$binary" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -detect_leaks="${FUZZ_DETECT_LEAKS:-0}" \
    -artifact_prefix="$out/$target-" 2>"$out/$target.log" || { tail -40 "$out/$target.log" >&2; exit 1; }
runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$out/$target.log")
cov=$(grep -E "^#[0-9]+" "$out/$target.log" | tail -1 | sed -nE 's/.*cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*/cov \1, features \2, corpus \3/p')
echo "$target: ${runs:-0} executions in ${seconds} s ($(( ${runs:-0} / seconds ))/s), $cov"
