extension Migration {
    /// Audit events are staged in the change's transaction and sequenced into the chain by the leader, in batches
    /// (`docs/decisions.md`, "The audit chain is sequenced by the leader"; ``AuditSequencer``).
    ///
    /// The commit-time link of migrations 8 and 9 goes: `audit_pending` keeps the staged events durably (it becomes a
    /// logged table, since a committed change's event now lives there until the leader links it), with the time each
    /// was staged and the same checks `audit_events` makes, so that an event the chain would refuse is refused in the
    /// change's own transaction (the change with it) instead of stopping the sequencer later. The SQL v2 hash of
    /// migration 8 goes too: the sequencer links with the core's `AuditChain`, the code `audit verify` checks with.
    static let auditSequencer = Migration(
        version: 11,
        name: "0011_audit_sequencer.sql",
        statements: [
            "DROP TRIGGER audit_pending_link ON audit_pending",
            "DROP FUNCTION audit_pending_link()",
            "DROP FUNCTION audit_chain_hash(text, bigint, timestamptz, text, text, text, text, text, text, text)",
            "ALTER TABLE audit_pending DROP COLUMN transaction_id",
            "ALTER TABLE audit_pending ADD COLUMN staged_at timestamptz NOT NULL DEFAULT clock_timestamp()",
            """
            ALTER TABLE audit_pending
                ADD CONSTRAINT audit_pending_actor_check CHECK (actor_identity <> ''),
                ADD CONSTRAINT audit_pending_action_check CHECK (action ~ '^[a-z_]+\\.[a-z_]+$'),
                ADD CONSTRAINT audit_pending_request_id_check CHECK (request_id <> ''),
                ADD CONSTRAINT audit_pending_outcome_check CHECK (outcome IN ('success', 'failure'))
            """,
            "ALTER TABLE audit_pending SET LOGGED",
        ]
    )
}
