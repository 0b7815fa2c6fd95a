extension Migration {
    /// The chain link of migration 8 in linear time. Two steps of it were quadratic in the rows of one transaction (a
    /// 500,000-event bulk load ran for more than 20 minutes in `make bench`): it collected the linked rows' sequence
    /// numbers by appending to an array (a copy per row), and every later firing looked its row up with
    /// `WHERE seq = NEW.seq`, which the cached plan of an empty, never-analysed `audit_pending` answered by walking the
    /// whole `(transaction_id, seq)` index (perf: `_bt_next`/`_bt_checkkeys`). Now the first firing deletes its
    /// transaction's linked rows by the last sequence number it linked (every row of the transaction is linked in the
    /// one loop, in `seq` order, so that range is exactly those rows) and keeps that number in a transaction-local
    /// setting; a later firing of a linked row compares with it and returns, reading no table. A row staged after a
    /// link (`SET CONSTRAINTS … IMMEDIATE`) has a larger `seq` and is linked by its own firing. The hash, the order and
    /// the locking are unchanged.
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
                -- The first firing in a transaction links all of that transaction's pending rows, in order, and
                -- notes the last one (transaction-local); the later firings of rows it linked return at once.
                IF NEW.seq <= coalesce(nullif(current_setting('jitsudo.audit_linked_seq', true), ''), '0')::bigint THEN
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
                PERFORM set_config('jitsudo.audit_linked_seq', last_seq::text, true);
                RETURN NULL;
            END
            $$
            """
        ]
    )
}
