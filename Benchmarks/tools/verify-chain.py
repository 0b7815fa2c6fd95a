#!/usr/bin/env python3
"""An independent verifier of the audit chain, written from shared/spec/audit.md (format v2) alone.

It shares no code with jitsudo: psql streams the rows (one repeatable-read snapshot), Python formats the timestamp
from integer microseconds and hashes with hashlib. Prints what `jitsudo audit verify` prints and exits 0 (intact)
or 3 (broken), 2 on a usage or database error.

    Benchmarks/tools/verify-chain.py postgres://user@127.0.0.1:5432/jitsudo
"""
import csv
import datetime
import hashlib
import io
import subprocess
import sys

TAG = "jitsudo.audit.v2"
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def field(text):
    data = text.encode("utf-8")
    return len(data).to_bytes(4, "big") + data


def stamp(micros):
    moment = EPOCH + datetime.timedelta(microseconds=micros)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%06d" % moment.microsecond + "Z"


def event_hash(prev_hash, event_id, micros, actor, action, request_id, provider, scope, outcome, details):
    parts = [TAG, prev_hash, str(event_id), stamp(micros), actor, action, request_id, provider, scope, outcome, details]
    return hashlib.sha256(b"".join(field(part) for part in parts)).hexdigest()


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    url = sys.argv[1]
    events_sql = (
        "COPY (SELECT 'e', id, (extract(epoch from \"timestamp\") * 1000000)::bigint, actor_identity, action, "
        "coalesce(request_id, ''), provider, resource_scope, outcome, details_json, prev_hash, hash "
        "FROM audit_events ORDER BY id) TO STDOUT WITH (FORMAT csv)"
    )
    head_sql = "COPY (SELECT 'h', last_id, last_hash FROM audit_chain_head WHERE id = 1) TO STDOUT WITH (FORMAT csv)"
    command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
               "-c", head_sql, "-c", events_sql, "-c", "COMMIT"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE)
    # newline="" keeps the line breaks inside quoted CSV fields exactly as stored.
    lines = io.TextIOWrapper(process.stdout, encoding="utf-8", newline="")
    head = (0, "")
    expected, previous, problem, broken_at = 1, "", None, None
    for row in csv.reader(lines):
        if row[0] == "h":
            head = (int(row[1]), row[2])
            continue
        if problem is not None:
            continue  # drain the pipe; the first problem is the answer
        event_id = int(row[1])
        if event_id != expected:
            problem, broken_at = "missing event %d" % expected, expected
        elif row[10] != previous:
            problem = ("first event has a non-empty prev_hash" if event_id == 1
                       else "prev_hash does not match the hash of event %d" % (event_id - 1))
            broken_at = event_id
        elif event_hash(row[10], event_id, int(row[2]), *row[3:10]) != row[11]:
            problem, broken_at = "stored hash does not match its content", event_id
        else:
            previous = row[11]
            expected += 1
    if process.wait() != 0:
        print("psql failed", file=sys.stderr)
        return 2
    last = expected - 1
    if problem is None and head[0] != last:
        problem, broken_at = "chain head expects event %d but the log ends at event %d" % (head[0], last), last
    elif problem is None and head[1] != previous:
        problem, broken_at = "chain head hash does not match event %d" % last, last
    if problem is not None:
        print("Chain broken at event %d: %s" % (broken_at, problem))
        return 3
    print("Chain intact: %d events verified" % last)
    return 0


if __name__ == "__main__":
    sys.exit(main())
