-- The baseline of the audit append benchmark: a table of audit_events' shape without chain, triggers or unique
-- constraints (the same table the earlier AuditBench used).
CREATE TABLE IF NOT EXISTS bench_plain_events (
    id bigserial PRIMARY KEY, "timestamp" timestamptz NOT NULL, actor_identity text NOT NULL, action text NOT NULL,
    request_id text, provider text NOT NULL, resource_scope text NOT NULL, outcome text NOT NULL, details_json text NOT NULL,
    prev_hash text NOT NULL, hash text NOT NULL
);
