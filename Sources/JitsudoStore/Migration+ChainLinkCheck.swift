extension Migration {
    /// Every event stored must link to the event before it: its `prev_hash` is the hash of the event whose id is one
    /// less (`''` for event 1). This replaces the unique constraints on `prev_hash` and `hash` (`docs/decisions.md`,
    /// "Forks are refused by a link check, not by unique indexes on the hashes").
    ///
    /// The two unique B-trees were keyed by random SHA-256 text, so every sequenced event went into two random places of
    /// two indexes that grow with the log: with 3 million events stored, a 1,000-event batch cost PostgreSQL 40.4 µs per
    /// event with them and 18.8 µs with this check (`Benchmarks/sequencer-batch.sh`). The check asks one primary-key
    /// probe per event, on the pages the batch has just written. It refuses a second event after the same predecessor
    /// (a fork), an event after a gap, and an event whose `prev_hash` is not its predecessor's hash. It runs once per
    /// statement over the statement's new rows (a transition table), so a batch that links after its own earlier rows
    /// passes, and a statement with one bad link stores nothing. Rows already stored are not re-read here: `audit
    /// verify` checks them.
    static let chainLinkCheck = Migration(
        version: 16,
        name: "0016_audit_events_link_check.sql",
        statements: [
            """
            CREATE FUNCTION audit_events_link_check() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                unlinked bigint;
            BEGIN
                SELECT min(n.id) INTO unlinked FROM linked n
                WHERE n.prev_hash IS DISTINCT FROM
                      CASE WHEN n.id = 1 THEN '' ELSE (SELECT p.hash FROM audit_events p WHERE p.id = n.id - 1) END;
                IF unlinked IS NOT NULL THEN
                    RAISE EXCEPTION 'audit event % does not link to event %: its prev_hash must be the hash of event %',
                        unlinked, unlinked - 1, unlinked - 1
                        USING ERRCODE = 'integrity_constraint_violation',
                              HINT = 'events are linked by the audit sequencer only; nothing of this statement was stored';
                END IF;
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE TRIGGER audit_events_link_check AFTER INSERT ON audit_events
                REFERENCING NEW TABLE AS linked FOR EACH STATEMENT EXECUTE FUNCTION audit_events_link_check()
            """,
            "ALTER TABLE audit_events DROP CONSTRAINT audit_events_prev_hash_key, DROP CONSTRAINT audit_events_hash_key",
        ]
    )
}
