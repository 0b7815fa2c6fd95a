"""Soak (issue 21): mixed load from every role with random bad input against two replicas for a bounded time.
Checks: no 5xx, steady memory (RSS growth of each replica under a stated bound), and an intact audit chain.

  python3 soak.py SECONDS BASE_URL,BASE_URL PID,PID   (tokens in SOAK_<ROLE>_TOKEN, CA in SOAK_CA_FILE)

Prints one summary line per figure (for BENCHMARKS.md) and exits 1 on a failed check.
"""

import json
import os
import random
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request

SECONDS = float(sys.argv[1])
BASES = sys.argv[2].split(",")
PIDS = [int(pid) for pid in sys.argv[3].split(",")]
ROLES = ["requester", "other", "approver", "refused_approver", "admin"]
TOKENS = {role: os.environ[f"SOAK_{role.upper()}_TOKEN"] for role in ROLES}
CONTEXT = ssl.create_default_context(cafile=os.environ["SOAK_CA_FILE"]) if os.environ.get("SOAK_CA_FILE") else None
WORKERS = int(os.environ.get("SOAK_WORKERS", "6"))
RSS_GROWTH_BOUND_MIB = float(os.environ.get("SOAK_RSS_GROWTH_MIB", "96"))

lock = threading.Lock()
statuses = {}
server_errors = []
pending = []
active = []


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def call(method, path, role=None, body=None, raw=None, base=None):
    headers = {}
    if role == "garbage":
        headers["Authorization"] = "Bearer " + random.choice(["x", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", "Bearer " * 20])
    elif role:
        headers["Authorization"] = "Bearer " + TOKENS[role]
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request((base or random.choice(BASES)) + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60, context=CONTEXT) as response:
            status, text = response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode(errors="replace")
    with lock:
        statuses[status] = statuses.get(status, 0) + 1
        if status >= 500:
            server_errors.append(f"{status} {method} {path} as {role}: {text[:200]}")
    return status, text


def bad_input():
    choice = random.randrange(8)
    if choice == 0:
        call("POST", "/api/v1alpha1/requests", "requester", raw=bytes(random.getrandbits(8) for _ in range(random.randrange(1, 200))))
    elif choice == 1:
        call("POST", "/api/v1alpha1/requests", "requester", {"provider": "mock", "role": "r" * 300, "durationSeconds": "x"})
    elif choice == 2:
        call("GET", "/api/v1alpha1/requests/" + random.choice(["req_", "../../etc", "%00", "req_" + "Z" * 26]), "other")
    elif choice == 3:
        call("GET", "/api/v1alpha1/requests?state=" + random.choice(["x", "%ff", "1e9"]) + "&page_size=-1", "approver")
    elif choice == 4:
        call("POST", "/api/v1alpha1/policies:eval", "other", {"inputJson": "{" * random.randrange(1, 5000)})
    elif choice == 5:
        call("GET", "/api/v1alpha1/requests", "garbage")
    elif choice == 6:
        call("POST", "/api/v1alpha1/policies", "refused_approver", {"name": "x", "rego": "package jitsudo.eligibility\nallow := true"})
    else:
        call("GET", "/api/v1alpha1/audit?since=yesterday", "admin")


def work(deadline):
    rng = random.Random()
    while time.monotonic() < deadline:
        action = rng.randrange(10)
        if action <= 1:
            status, text = call("POST", "/api/v1alpha1/requests", rng.choice(["requester", "other"]),
                                {"provider": "mock", "role": rng.choice(["admin", "viewer"]), "durationSeconds": 600, "reason": "soak"})
            if status == 200:
                request = json.loads(text)["request"]
                with lock:
                    (active if request["state"] == "REQUEST_STATE_ACTIVE" else pending).append(request["id"])
        elif action == 2:
            with lock:
                request_id = pending.pop() if pending else None
            if request_id:
                if rng.random() < 0.7:
                    status, _ = call("POST", f"/api/v1alpha1/requests/{request_id}/approve", "approver", {"comment": "soak"})
                    if status == 200:
                        with lock:
                            active.append(request_id)
                else:
                    call("POST", f"/api/v1alpha1/requests/{request_id}/deny", rng.choice(["approver", "refused_approver"]), {"reason": "no"})
        elif action == 3:
            with lock:
                request_id = active.pop() if active else None
            if request_id:
                call("POST", f"/api/v1alpha1/requests/{request_id}/revoke", rng.choice(["admin", "other", "requester"]), {"reason": "soak"})
        elif action == 4:
            call("GET", "/api/v1alpha1/requests?page_size=50", rng.choice(ROLES))
        elif action == 5:
            call("GET", "/api/v1alpha1/audit?page_size=100", rng.choice(ROLES))
        elif action == 6:
            call("POST", "/api/v1alpha1/policies:eval", rng.choice(ROLES),
                 {"inputJson": json.dumps({"user": {"groups": ["sre"]}, "request": {"role": "admin"}}), "type": "eligibility"})
        else:
            bad_input()


def main():
    for _ in range(20):  # warm-up: connection pools, policy caches, first allocations
        call("GET", "/api/v1alpha1/requests", "requester")
    before = [rss_mib(pid) for pid in PIDS]
    started = time.monotonic()
    threads = [threading.Thread(target=work, args=(started + SECONDS,)) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    after = [rss_mib(pid) for pid in PIDS]
    status, text = call("POST", "/api/v1alpha1/audit:verify", "requester", base=BASES[0])
    verification = json.loads(text) if status == 200 else {}
    total = sum(statuses.values())
    print(f"soak: {elapsed:.0f} s, {WORKERS} workers, {len(BASES)} replicas, {total} calls ({total / elapsed:.0f}/s)")
    print("statuses: " + ", ".join(f"{code}: {count}" for code, count in sorted(statuses.items())))
    for pid, start, end in zip(PIDS, before, after):
        print(f"replica {pid}: RSS {start:.0f} MiB -> {end:.0f} MiB ({end - start:+.0f} MiB; bound {RSS_GROWTH_BOUND_MIB:.0f} MiB)")
    print(f"audit chain: intact={verification.get('intact')} events={verification.get('eventsVerified')}")
    problems = list(server_errors[:20])
    problems += [f"replica {pid} grew {end - start:.0f} MiB" for pid, start, end in zip(PIDS, before, after)
                 if end - start > RSS_GROWTH_BOUND_MIB]
    if verification.get("intact") is not True:
        problems.append(f"the audit chain does not verify: {text[:300]}")
    if total < 100:
        problems.append(f"only {total} calls were made")
    for problem in problems:
        print("PROBLEM", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
