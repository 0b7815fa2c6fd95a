#!/usr/bin/env bash
# The "secrets never leak" scan of issue 21 over the in-process suites (JitsudoServerTesting.LeakCapture): every secret
# the suites' daemons held or handed out (sentinels-*.txt: credentials keys, client secrets, tokens, passwords, issued
# credentials) is looked for in every log record down to debug (logs-*.txt), every error body and failed CLI message
# the tests received (bodies-*.txt) and every daemon's /metrics (metrics-*.txt) in $JITSUDO_TEST_LEAK_CAPTURE, which
# scripts/run-tests.sh creates for the run; this is its last group. A planted secret is found first (the scan can fail).
# Prints swift-testing's lines, so run-tests.sh counts it as a group.
set -uo pipefail
capture=${JITSUDO_TEST_LEAK_CAPTURE:-}
python3 - "$capture" <<'PY'
import glob, os, sys, tempfile, time

def scan(directory):
    """(sentinels, hits, sizes): hits are (masked sentinel, file, line number)."""
    sentinels = set()
    for path in glob.glob(os.path.join(directory, "sentinels-*.txt")):
        with open(path, encoding="utf-8", errors="replace") as f:
            sentinels.update(line.rstrip("\n") for line in f if len(line.rstrip("\n")) >= 12)
    hits, sizes = [], {}
    for kind in ("logs", "bodies", "metrics"):
        sizes[kind] = 0
        for path in sorted(glob.glob(os.path.join(directory, kind + "-*.txt"))):
            with open(path, encoding="utf-8", errors="replace") as f:
                for number, line in enumerate(f, 1):
                    sizes[kind] += 1
                    for secret in sentinels:
                        if secret in line:
                            hits.append((secret[:4] + "…" + str(len(secret)), os.path.basename(path), number))
    return sentinels, hits, sizes

results = []
def test(name, body):
    started = time.monotonic()
    try:
        problem = body()
    except Exception as error:  # a broken scan is a failure, never a pass
        problem = f"{type(error).__name__}: {error}"
    elapsed = f"{time.monotonic() - started:.3f}"
    if problem:
        print(f"✘ Test {name}() failed after {elapsed} seconds.")
        print("    " + problem.replace("\n", "\n    "))
    else:
        print(f"✔ Test {name}() passed after {elapsed} seconds.")
    results.append(not problem)

def planted():
    with tempfile.TemporaryDirectory() as directory:
        with open(os.path.join(directory, "sentinels-1.txt"), "w") as f:
            f.write("sk-planted-0123456789\nshort\n")
        with open(os.path.join(directory, "logs-1.txt"), "w") as f:
            f.write("info jitsudod: nothing here\nwarning jitsudod: token=sk-planted-0123456789\n")
        _, hits, _ = scan(directory)
        return None if hits == [("sk-p…21", "logs-1.txt", 2)] else f"a planted secret was not found as expected: {hits}"

capture = sys.argv[1]
def captured():
    if not capture or not os.path.isdir(capture):
        return "JITSUDO_TEST_LEAK_CAPTURE names no directory: run the suites through scripts/run-tests.sh"
    sentinels, hits, sizes = scan(capture)
    errors = "".join(open(p).read() for p in glob.glob(os.path.join(capture, "errors-*.txt")))
    print(f"    {len(sentinels)} secrets looked for in {sizes['logs']} log lines, {sizes['bodies']} error bodies "
          f"and failed CLI messages, {sizes['metrics']} metric lines")
    if errors:
        return "the capture could not read what some daemons held:\n" + errors
    if len(sentinels) < 20 or sizes["logs"] < 1000 or sizes["bodies"] < 50 or sizes["metrics"] < 100:
        return f"the capture is too small to mean anything: {len(sentinels)} secrets, {sizes}"
    if hits:
        return f"{len(hits)} secrets found:\n" + "\n".join(f"{s} in {f}:{n}" for s, f, n in hits[:40])
    return None

started = time.monotonic()
test("aPlantedSecretIsFound", planted)
test("noSecretOfTheInProcessSuitesInLogsErrorBodiesOrMetrics", captured)
failed = results.count(False)
verdict = "passed" if not failed else f"failed"
mark = "✔" if not failed else "✘"
print(f"{mark} Test run with {len(results)} tests {verdict} after {time.monotonic() - started:.3f} seconds.")
sys.exit(1 if failed else 0)
PY
