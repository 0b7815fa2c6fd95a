extension Migration {
    /// The chain link of migration 8 in linear time: it collected the linked rows' sequence numbers by appending to an
    /// array (a copy per row, so quadratic in the rows of one transaction — a 500,000-event bulk load ran for more than
    /// 20 minutes in `make bench`). It now deletes the transaction's linked rows by their transaction and the last
    /// sequence number it linked: every row of the transaction is linked in the one loop, in `seq` order, so that
    /// range is exactly those rows. The hash, the order and the locking are unchanged.
    static let linearChainLink = Migration(
        version: 9,
        name: "0009_audit_chain_link_linear.sql",
        statements: [
            """
            CREATE OR REPLACE FUNCTION audit_pending_link() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                head_id bigint;
                head_hash text;
                stamp timestamptz;
                pending record;
                last_seq bigint;
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
                    last_seq := pending.seq;
                END LOOP;
                UPDATE audit_chain_head SET last_id = head_id, last_hash = head_hash, updated_at = now() WHERE id = 1;
                DELETE FROM audit_pending WHERE transaction_id = NEW.transaction_id AND seq <= last_seq;
                RETURN NULL;
            END
            $$
            """
        ]
    )
}
