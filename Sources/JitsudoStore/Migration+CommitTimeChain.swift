extension Migration {
    /// Links audit events into the chain at commit time (`docs/decisions.md`, "The audit chain is linked at commit").
    ///
    /// An append inserts the event's fields into `audit_pending` inside the change's transaction and takes no lock.
    /// A deferred constraint trigger fires while that transaction commits; its first firing links all of the
    /// transaction's pending rows in insertion order: it locks the one-row chain head, and for each row stamps
    /// `clock_timestamp()`, computes the v2 hash (`audit.md` §2) in SQL and inserts the event into `audit_events`; then
    /// it moves the head once and deletes the pending rows. The head lock is therefore
    /// held only from the trigger to the end of the commit, on the server, with no client round trip inside it.
    /// `audit_pending` is unlogged: every row is deleted by the transaction that inserted it, so nothing committed
    /// ever lives there and a crash can lose no committed row of it.
    static let commitTimeChain = Migration(
        version: 8,
        name: "0008_audit_commit_time_chain.sql",
        statements: [
            """
            CREATE UNLOGGED TABLE audit_pending (
                seq bigserial PRIMARY KEY,
                actor_identity text NOT NULL,
                action text NOT NULL,
                request_id text,
                provider text NOT NULL,
                resource_scope text NOT NULL,
                outcome text NOT NULL,
                details_json text NOT NULL,
                transaction_id bigint NOT NULL DEFAULT txid_current()
            )
            """,
            "CREATE INDEX audit_pending_transaction_idx ON audit_pending (transaction_id, seq)",
            """
            CREATE FUNCTION audit_chain_hash(
                prev_hash text, id bigint, stamp timestamptz, actor_identity text, action text, request_id text,
                provider text, resource_scope text, outcome text, details_json text
            ) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
            DECLARE
                preimage bytea := convert_to('jitsudo.audit.v2', 'UTF8');
                field text;
            BEGIN
                preimage := int4send(octet_length(preimage)) || preimage;
                FOREACH field IN ARRAY ARRAY[
                    prev_hash, id::text, to_char(stamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), actor_identity,
                    action, coalesce(request_id, ''), provider, resource_scope, outcome, details_json
                ] LOOP
                    preimage := preimage || int4send(octet_length(convert_to(field, 'UTF8'))) || convert_to(field, 'UTF8');
                END LOOP;
                RETURN encode(sha256(preimage), 'hex');
            END
            $$
            """,
            """
            CREATE FUNCTION audit_pending_link() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                head_id bigint;
                head_hash text;
                stamp timestamptz;
                pending record;
                linked bigint[] := '{}';
            BEGIN
                -- The first firing in a transaction links all of that transaction's pending rows, in order; the
                -- later firings find their row gone and return.
                PERFORM 1 FROM audit_pending WHERE seq = NEW.seq;
                IF NOT FOUND THEN
                    RETURN NULL;
                END IF;
                SELECT last_id, last_hash INTO head_id, head_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE;
                IF NOT FOUND THEN
                    RAISE EXCEPTION 'audit_chain_head has no row; the schema is incomplete' USING ERRCODE = 'data_corrupted';
                END IF;
                FOR pending IN
                    SELECT * FROM audit_pending WHERE transaction_id = NEW.transaction_id ORDER BY seq
                LOOP
                    stamp := clock_timestamp();
                    INSERT INTO audit_events (id, "timestamp", actor_identity, action, request_id, provider, resource_scope,
                                              outcome, details_json, prev_hash, hash)
                    VALUES (head_id + 1, stamp, pending.actor_identity, pending.action, pending.request_id, pending.provider,
                            pending.resource_scope, pending.outcome, pending.details_json, head_hash,
                            audit_chain_hash(head_hash, head_id + 1, stamp, pending.actor_identity, pending.action,
                                             pending.request_id, pending.provider, pending.resource_scope, pending.outcome,
                                             pending.details_json))
                    RETURNING id, hash INTO head_id, head_hash;
                    linked := linked || pending.seq;
                END LOOP;
                UPDATE audit_chain_head SET last_id = head_id, last_hash = head_hash, updated_at = now() WHERE id = 1;
                DELETE FROM audit_pending WHERE seq = ANY (linked);
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE CONSTRAINT TRIGGER audit_pending_link AFTER INSERT ON audit_pending
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_pending_link()
            """,
            """
            DO $$
            BEGIN
                IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jitsudo_app') THEN
                    GRANT SELECT, INSERT, DELETE ON audit_pending TO jitsudo_app;
                    GRANT USAGE ON SEQUENCE audit_pending_seq_seq TO jitsudo_app;
                END IF;
            END
            $$
            """,
        ]
    )
}
