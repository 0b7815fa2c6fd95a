-- One audit sequencer batch as SQL alone (pgbench -D limit=N): the oldest N staged events leave audit_pending and enter
-- audit_events after the head, and the head moves, in one statement, as AuditSequencer.sequenceBatch's statement does.
-- The links are stand-ins computed here (SHA-256 of the id), unique and linked like the real ones, so that the
-- statement pays every index, check and trigger of audit_events; the Swift side (reading the rows, AuditChain.link)
-- is not part of this figure.
BEGIN;
WITH staged AS (
    SELECT seq, staged_at, actor_identity, action, request_id, provider, resource_scope, outcome, details_json,
           row_number() OVER (ORDER BY seq) AS n
    FROM audit_pending ORDER BY seq LIMIT :limit
), head AS (
    SELECT last_id FROM audit_chain_head WHERE id = 1 FOR UPDATE
), moved AS (
    DELETE FROM audit_pending WHERE seq = ANY (ARRAY(SELECT seq FROM staged)) RETURNING seq
), linked AS (
    INSERT INTO audit_events (id, "timestamp", actor_identity, action, request_id, provider, resource_scope, outcome,
                              details_json, prev_hash, hash)
    SELECT head.last_id + n, staged_at, actor_identity, action, request_id, provider, resource_scope, outcome, details_json,
           CASE WHEN head.last_id + n = 1 THEN '' ELSE encode(sha256(int8send(head.last_id + n - 1)), 'hex') END,
           encode(sha256(int8send(head.last_id + n)), 'hex')
    FROM staged, head
    RETURNING id
)
UPDATE audit_chain_head SET last_id = last_id + (SELECT count(*) FROM linked), updated_at = now()
WHERE id = 1 AND (SELECT count(*) FROM moved) = (SELECT count(*) FROM linked);
COMMIT;
