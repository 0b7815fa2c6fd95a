public import Foundation

/// The durable queue the ``NotificationDispatcher`` drains: in production the PostgreSQL outbox
/// (`NotificationOutbox` in JitsudoStore, via a small adapter in the server), in tests anything.
///
/// Contract:
/// - ``claimDue(limit:now:)`` returns rows that are unsent and due at `now`, and makes them invisible to other
///   claimers until their lease runs out, in one atomic step; each claim increments the row's attempt count.
/// - ``markSent(_:at:)`` and ``markFailed(_:error:nextAttemptAt:)`` only change a row whose attempt count still
///   equals the claimed one (a stale claimer changes nothing) and return whether they did.
/// - `nextAttemptAt == nil` gives up: the row stays unsent and visible with its last error, and is never claimed again.
public protocol OutboxQueue: Sendable {
    /// Claims up to `limit` due rows.
    func claimDue(limit: Int, now: Date) async throws -> [QueuedNotification]
    /// Records delivery.
    @discardableResult
    func markSent(_ item: QueuedNotification, at: Date) async throws -> Bool
    /// Records a failed attempt; retry at `nextAttemptAt`, or never when nil.
    @discardableResult
    func markFailed(_ item: QueuedNotification, error: String, nextAttemptAt: Date?) async throws -> Bool
    /// Rows still to be sent (not sent, not given up), for the pending gauge.
    func pendingCount() async throws -> Int
}

/// One claimed outbox row.
public struct QueuedNotification: Sendable, Hashable {
    /// The row id.
    public var id: Int64
    /// The channel the row is routed to.
    public var channel: String
    /// The event name (also inside the payload).
    public var event: String
    /// The payload JSON written by ``Notification/jsonPayload()``.
    public var payload: String
    /// Attempts including this one (1 on the first claim); also the claim token.
    public var attempts: Int

    /// Creates a claimed row.
    public init(id: Int64, channel: String, event: String, payload: String, attempts: Int) {
        self.id = id
        self.channel = channel
        self.event = event
        self.payload = payload
        self.attempts = attempts
    }
}
