#!/usr/bin/env python3
"""Stands in for the leader during the API contract tests (api-contract-tests.sh).

It holds the leader lock, so no replica leads: the sweeper (which ends grants on their own time and works the
revocation queue) stays idle, and every change to the database comes from a call under test. It keeps the leadership
heartbeat fresh: a replica ends a lock holder whose heartbeat is older than the lease (the stale-holder takeover). And it
does the one piece of leader work the API needs — it sequences the audit events the replicas stage into the chain
(docs/decisions.md, "The chain is sequenced by the leader"), so that audit reads answer. It shares no code with jitsudo:
the hash is Benchmarks/tools/verify-chain.py's (written from shared/spec/audit.md), so the chain that jitsudod verifies
at the end of the run was linked by an independent implementation.

    standin_leader.py postgres://postgres@127.0.0.1:5432/jitsudo_contract
"""
import csv
import importlib.util
import io
import pathlib
import subprocess
import sys
import time

TOOLS = pathlib.Path(__file__).resolve().parents[2] / "Benchmarks" / "tools" / "verify-chain.py"
spec = importlib.util.spec_from_file_location("verify_chain", TOOLS)
verify_chain = importlib.util.module_from_spec(spec)
spec.loader.exec_module(verify_chain)

STAGED = (
    "COPY (SELECT h.last_id, h.last_hash, p.seq, (extract(epoch from p.staged_at) * 1000000)::bigint, p.actor_identity, "
    "p.action, coalesce(p.request_id, ''), p.provider, p.resource_scope, p.outcome, p.details_json "
    "FROM audit_chain_head h, audit_pending p WHERE h.id = 1 ORDER BY p.seq LIMIT 500) TO STDOUT WITH (FORMAT csv)"
)
COLUMNS = 'id, "timestamp", actor_identity, action, request_id, provider, resource_scope, outcome, details_json, prev_hash, hash'


def psql(url, *arguments, script=None):
    return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, *arguments], input=script,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)


def sequence_once(url):
    """Links up to 500 staged events after the head, in staging order, in one transaction. Returns how many."""
    read = psql(url, "-c", STAGED)
    if read.returncode != 0:
        return 0  # the tables do not exist yet (jitsudod migrates at start)
    rows = list(csv.reader(io.TextIOWrapper(io.BytesIO(read.stdout), encoding="utf-8", newline="")))
    if not rows:
        return 0
    start_id, previous = int(rows[0][0]), rows[0][1]
    last_id = start_id
    events = io.StringIO(newline="")
    writer = csv.writer(events, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for _, _, _, micros, actor, action, request_id, provider, scope, outcome, details in rows:
        last_id += 1
        digest = verify_chain.event_hash(previous, last_id, int(micros), actor, action, request_id, provider, scope, outcome,
                                         details)
        writer.writerow([last_id, verify_chain.stamp(int(micros)), actor, action, request_id, provider, scope, outcome, details,
                         previous, digest])
        previous = digest
    staged = ",".join(row[2] for row in rows)
    script = (
        "BEGIN;\n"
        f"COPY audit_events ({COLUMNS}) FROM STDIN WITH (FORMAT csv, FORCE_NULL (request_id));\n"
        + events.getvalue() + "\\.\n"
        f"DELETE FROM audit_pending WHERE seq IN ({staged});\n"
        f"UPDATE audit_chain_head SET last_id = {last_id}, last_hash = '{previous}', updated_at = now() "
        f"WHERE id = 1 AND last_id = {start_id};\n"
        f"DO $$ BEGIN IF (SELECT last_id FROM audit_chain_head WHERE id = 1) <> {last_id} "
        "THEN RAISE EXCEPTION 'the chain head moved under the stand-in sequencer'; END IF; END $$;\n"
        "COMMIT;\n"
    ).encode("utf-8")
    written = psql(url, script=script)
    if written.returncode != 0:
        sys.stderr.write("stand-in sequencing failed: " + written.stderr.decode("utf-8", "replace"))
        return 0
    return len(rows)


def main():
    url = sys.argv[1]
    lock = subprocess.Popen(["psql", "-qX", url], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, text=True)
    lock.stdin.write("SELECT pg_advisory_lock(7278657000);\n")
    lock.stdin.flush()
    beat = 0.0
    while True:
        if time.monotonic() - beat >= 1:
            # Fails harmlessly until jitsudod has created the table.
            lock.stdin.write("UPDATE leadership SET heartbeat_at = now() WHERE id = 1;\n")
            lock.stdin.flush()
            beat = time.monotonic()
        if sequence_once(url) == 0:
            time.sleep(0.05)


if __name__ == "__main__":
    main()
