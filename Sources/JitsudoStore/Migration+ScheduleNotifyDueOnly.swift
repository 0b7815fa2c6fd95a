extension Migration {
    /// `NOTIFY jitsudo_grants` only for a change that can bring a due moment forward: a request that becomes `PENDING`
    /// (its pending TTL) or `ACTIVE` (its expiry), an expiry moved, or a grant ended (`EXPIRED`, `REVOKED`: the
    /// revocation it queues is due at once). A request that becomes `APPROVED` or `REJECTED` only takes a due moment
    /// away, and the leader's sweeper never needs waking for that: its deadline can only be early, and a pass that
    /// finds nothing due sets the next one. Migration 4 notified on every insert too, so an auto-approved request
    /// signalled every listening backend twice (inserted `APPROVED`, then `ACTIVE`): `make bench`'s profile had the
    /// signals at 3.7 % of the machine.
    ///
    /// The payload says what the leader needs to know without asking (``ScheduleNotification``): `expires <µs>` for a
    /// grant that became active or was extended, `pending <µs>` (its creation) for a pending request, `ended <id>` for
    /// a grant that ended. Migration 4 sent the request's id alone, and the leader looked at the whole schedule again
    /// (one query) for every notification.
    static let scheduleNotifyDueOnly = Migration(
        version: 12,
        name: "0012_schedule_notify_due_only.sql",
        statements: [
            """
            CREATE OR REPLACE FUNCTION requests_schedule_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.state IN ('PENDING', 'ACTIVE', 'EXPIRED', 'REVOKED') AND (
                    TG_OP = 'INSERT' OR NEW.state IS DISTINCT FROM OLD.state OR NEW.expires_at IS DISTINCT FROM OLD.expires_at
                ) THEN
                    PERFORM pg_notify('jitsudo_grants', CASE NEW.state
                        WHEN 'ACTIVE' THEN 'expires ' || (extract(epoch FROM NEW.expires_at) * 1000000)::bigint
                        WHEN 'PENDING' THEN 'pending ' || (extract(epoch FROM NEW.created_at) * 1000000)::bigint
                        ELSE 'ended ' || NEW.id
                    END);
                END IF;
                RETURN NULL;
            END
            $$
            """
        ]
    )
}
