public import Foundation
public import Logging
public import PostgresNIO

/// The notification outbox (`schema.md` §7.4): rows are inserted in the transaction of the event that causes
/// them, so a rolled-back change sends nothing, and any replica sends them later.
///
/// Claiming is a lease, not a held lock: ``claimDue(limit:now:lease:)`` picks due rows with
/// `FOR UPDATE SKIP LOCKED`, pushes their `next_attempt_at` to `now + lease` and increments `attempts`, all in
/// one statement, then commits. Other replicas skip the locked rows while the statement runs and find them not
/// due afterwards, so no row is sent twice concurrently. Holding the row lock during the send instead would pin a
/// pooled connection and an open transaction for the duration of slow network calls (SMTP timeouts are a minute);
/// with a lease the connection is returned at once. The claimed `attempts` value is the claim token:
/// ``markSent(id:attempts:at:)`` and ``markFailed(id:attempts:error:nextAttemptAt:)`` change the row only while
/// it still holds that value, so a claimer whose lease ran out (and whose row was claimed again) changes nothing.
/// The lease must exceed the slowest notifier's timeout. A replica that dies mid-send leaves its rows to be
/// claimed again when the lease ends: delivery is at least once.
///
/// A row given up (`markFailed` with `nextAttemptAt: nil`) keeps `sent_at` NULL and gets `next_attempt_at =
/// 'infinity'`: it stays visible with `attempts` and `last_error` and is never claimed again. To retry such rows:
/// `UPDATE notifications SET next_attempt_at = now(), attempts = 0 WHERE sent_at IS NULL AND next_attempt_at = 'infinity'`.
public struct NotificationOutbox: Sendable {
    /// The database the outbox lives in.
    public let database: Database

    /// Creates the outbox over `database`.
    public init(database: Database) {
        self.database = database
    }

    /// A row to insert.
    public struct Item: Sendable, Hashable {
        /// Priority literals of the `priority` column.
        public enum Priority: String, Sendable, Hashable {
            case normal
            case high
        }

        /// The channel that will send it (`slack`, `webhook`, `smtp`, `siem`, `syslog`, …).
        public var channel: String
        /// The event name.
        public var event: String
        /// The payload, a JSON object as text.
        public var payload: String
        /// Stored in the `priority` column (`normal`/`high`).
        public var priority: Priority

        /// Creates a row; `payload` must be a JSON object.
        public init(channel: String, event: String, payload: String, priority: Priority = .normal) {
            self.channel = channel
            self.event = event
            self.payload = payload
            self.priority = priority
        }
    }

    /// A claimed row.
    public struct Claimed: Sendable, Hashable {
        /// The row id (`bigserial`).
        public var id: Int64
        /// The channel that sends it.
        public var channel: String
        /// The event name.
        public var event: String
        /// `normal` or `high`.
        public var priority: String
        /// The payload JSON as PostgreSQL prints `jsonb` (keys reordered, same values).
        public var payload: String
        /// Attempts including this claim; the claim token for the mark calls.
        public var attempts: Int
    }

    /// A row as stored, for tests and diagnostics.
    public struct Row: Sendable, Hashable {
        /// The row id.
        public var id: Int64
        /// The channel that sends it.
        public var channel: String
        /// Claims so far.
        public var attempts: Int
        /// Nil when the row was given up (`infinity`).
        public var nextAttemptAt: Date?
        /// The last failure's message, `''` when none.
        public var lastError: String
        /// When it was delivered; nil while unsent.
        public var sentAt: Date?
    }

    /// Inserts `items` on `connection`, inside the caller's transaction. Throws ``StoreError`` `invalidArgument`
    /// for an empty channel or event, or a payload that is not a JSON object.
    public static func enqueue(_ items: [Item], on connection: PostgresConnection, logger: Logger) async throws {
        for item in items {
            guard !item.channel.isEmpty, !item.event.isEmpty else {
                throw StoreError(
                    .invalidArgument, "a notification needs a channel and an event", context: ["channel": item.channel, "event": item.event])
            }
            do {
                try await connection.query(
                    """
                    INSERT INTO notifications (channel, event, payload, priority)
                    VALUES (\(item.channel), \(item.event), \(item.payload)::jsonb, \(item.priority.rawValue))
                    """,
                    logger: logger
                )
            } catch {
                throw Database.translate(error)
            }
        }
    }

    /// Claims up to `limit` unsent rows due at `now` (oldest due first) for `lease`; see the type's documentation.
    public func claimDue(limit: Int, now: Date, lease: Duration = .seconds(300)) async throws -> [Claimed] {
        let nowMicros = Self.micros(now)
        let leaseMicros = Self.micros(lease)
        let rows = try await database.query(
            """
            WITH due AS (
                SELECT id FROM notifications
                WHERE sent_at IS NULL AND next_attempt_at <= timestamptz 'epoch' + (\(nowMicros) * interval '1 microsecond')
                ORDER BY next_attempt_at, id
                LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            )
            UPDATE notifications n
            SET attempts = n.attempts + 1,
                next_attempt_at = timestamptz 'epoch' + ((\(nowMicros) + \(leaseMicros)) * interval '1 microsecond')
            FROM due
            WHERE n.id = due.id
            RETURNING n.id, n.channel, n.event, n.priority, n.payload::text, n.attempts
            """
        )
        var claimed: [Claimed] = []
        for try await (id, channel, event, priority, payload, attempts) in rows.decode((Int64, String, String, String, String, Int).self) {
            claimed.append(Claimed(id: id, channel: channel, event: event, priority: priority, payload: payload, attempts: attempts))
        }
        return claimed.sorted { $0.id < $1.id }
    }

    /// Marks a claimed row sent. Returns false when the claim was stale (the row was claimed again or already sent).
    @discardableResult
    public func markSent(id: Int64, attempts: Int, at time: Date) async throws -> Bool {
        let rows = try await database.query(
            """
            UPDATE notifications SET sent_at = timestamptz 'epoch' + (\(Self.micros(time)) * interval '1 microsecond'), last_error = ''
            WHERE id = \(id) AND attempts = \(attempts) AND sent_at IS NULL
            RETURNING id
            """
        )
        return try await Self.any(rows)
    }

    /// Records a failed attempt of a claimed row: retry at `nextAttemptAt`, or never (given up) when nil.
    /// Returns false when the claim was stale.
    @discardableResult
    public func markFailed(id: Int64, attempts: Int, error: String, nextAttemptAt: Date?) async throws -> Bool {
        let next = nextAttemptAt.map(Self.micros)
        let rows = try await database.query(
            """
            UPDATE notifications SET last_error = \(String(error.prefix(2000))),
                next_attempt_at = CASE WHEN \(next)::bigint IS NULL THEN 'infinity'::timestamptz
                                       ELSE timestamptz 'epoch' + (\(next) * interval '1 microsecond') END
            WHERE id = \(id) AND attempts = \(attempts) AND sent_at IS NULL
            RETURNING id
            """
        )
        return try await Self.any(rows)
    }

    /// Rows still to be sent: unsent and not given up.
    public func pendingCount() async throws -> Int {
        try await count("SELECT COUNT(*)::integer FROM notifications WHERE sent_at IS NULL AND next_attempt_at <> 'infinity'")
    }

    /// Rows given up after their last attempt (unsent, `next_attempt_at = 'infinity'`).
    public func failedCount() async throws -> Int {
        try await count("SELECT COUNT(*)::integer FROM notifications WHERE sent_at IS NULL AND next_attempt_at = 'infinity'")
    }

    /// Rows delivered.
    public func sentCount() async throws -> Int {
        try await count("SELECT COUNT(*)::integer FROM notifications WHERE sent_at IS NOT NULL")
    }

    /// How long the oldest pending row has waited since it was created, at `now`; nil when none is pending.
    public func oldestPendingAge(now: Date) async throws -> Duration? {
        let rows = try await database.query(
            """
            SELECT \(unescaped: SQL.micros("min(created_at)")) FROM notifications
            WHERE sent_at IS NULL AND next_attempt_at <> 'infinity'
            """
        )
        for try await micros in rows.decode(Int64?.self) {
            guard let micros else { return nil }
            return .microseconds(max(0, Self.micros(now) - micros))
        }
        return nil
    }

    /// One row by id, or nil.
    public func row(id: Int64) async throws -> Row? {
        let rows = try await database.query(
            """
            SELECT id, channel, attempts,
                CASE WHEN next_attempt_at = 'infinity' THEN NULL ELSE \(unescaped: SQL.micros("next_attempt_at")) END,
                last_error, \(unescaped: SQL.micros("sent_at"))
            FROM notifications WHERE id = \(id)
            """
        )
        for try await (id, channel, attempts, next, lastError, sent) in rows.decode((Int64, String, Int, Int64?, String, Int64?).self) {
            return Row(
                id: id, channel: channel, attempts: attempts, nextAttemptAt: next.map(Self.date), lastError: lastError, sentAt: sent.map(Self.date)
            )
        }
        return nil
    }

    private func count(_ sql: String) async throws -> Int {
        let rows = try await database.query(PostgresQuery(unsafeSQL: sql))
        for try await value in rows.decode(Int.self) { return value }
        return 0
    }

    private static func any(_ rows: PostgresRowSequence) async throws -> Bool {
        var found = false
        for try await _ in rows.decode(Int64.self) { found = true }
        return found
    }

    static func micros(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }

    static func micros(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }

    static func date(_ micros: Int64) -> Date { Date(timeIntervalSince1970: Double(micros) / 1_000_000) }
}
