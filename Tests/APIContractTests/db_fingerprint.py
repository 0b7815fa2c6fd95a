"""A fingerprint of the state a refused call must never change (APIContractTests): requests, approvals, policies,
principals (without last_seen_at, which every authenticated call may touch), revocations, and the audit log (staged
and sequenced) without audited refusals (outcome failure). One psql process serves the whole run."""

import re
import subprocess

PARTS = {
    "requests": "(SELECT string_agg(r::text, '|' ORDER BY r.id) FROM requests r)",
    "approvals": "(SELECT string_agg(a::text, '|' ORDER BY a.request_id, a.approver_identity) FROM approvals a)",
    "policies": "(SELECT string_agg(p::text, '|' ORDER BY p.id) FROM policies p)",
    "principals": "(SELECT string_agg(concat_ws(',', p.identity, p.trust_tier, p.enrolled_by, p.enrolled_at, p.notes), '|' "
                  "ORDER BY p.identity) FROM principals p)",
    "revocations": "(SELECT string_agg(v::text, '|' ORDER BY v.request_id) FROM revocations v)",
    # Successful events wherever they are: staged (audit_pending) or already sequenced into the chain by the leader,
    # which moves them between the two at its own pace; by content, since a position is only given when sequenced.
    "audit_events": "(SELECT string_agg(x, '|' ORDER BY x) FROM ("
                    "SELECT concat_ws(',', e.\"timestamp\", e.actor_identity, e.action, e.request_id, e.details_json) AS x "
                    "FROM audit_events e WHERE e.outcome = 'success' UNION ALL "
                    "SELECT concat_ws(',', p.staged_at, p.actor_identity, p.action, p.request_id, p.details_json) "
                    "FROM audit_pending p WHERE p.outcome = 'success') s)",
}
# One md5 per part, so a difference names the table that changed.
FINGERPRINT = "SELECT concat_ws(' ', " + ", ".join(f"'{name}=' || coalesce(md5({sql}), '-')" for name, sql in PARTS.items()) + ")"



class Session:
    """One psql process for the whole run (spawning one per call costs more than the call under test)."""

    def __init__(self, url):
        self.url = url
        self.process = subprocess.Popen(
            ["psql", "-XqtA", "-v", "ON_ERROR_STOP=0", self.url],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
        )

    def query(self, sql):
        self.process.stdin.write(" ".join(sql.split()) + ";\n\\echo __end__\n")
        self.process.stdin.flush()
        lines = []
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("psql ended: " + "".join(lines))
            if line.strip() == "__end__":
                return "".join(lines).strip()
            lines.append(line)

    def fingerprint(self):
        value = self.query(FINGERPRINT)
        if not re.fullmatch(r"(\w+=([0-9a-f]{32}|-) ?)+", value):
            raise RuntimeError(f"the database fingerprint failed: {value[:500]}")
        return value


def changed_parts(before, after):
    """The names of the parts that differ between two fingerprints."""
    old = dict(item.split("=", 1) for item in before.split())
    new = dict(item.split("=", 1) for item in after.split())
    return sorted(name for name in new if old.get(name) != new[name])
