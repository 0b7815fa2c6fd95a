import Foundation
import JitsudoNotify
import JitsudoStore

/// The adapter between the PostgreSQL outbox and the dispatcher. JitsudoNotify does not import JitsudoStore, so
/// the server owns this conformance; it lives here until the server takes it (copy as is).
struct OutboxQueueAdapter: OutboxQueue {
    let outbox: NotificationOutbox
    /// How long a claim hides a row from other replicas; must exceed the slowest notifier's timeout.
    var lease: Duration = .seconds(300)

    func claimDue(limit: Int, now: Date) async throws -> [QueuedNotification] {
        try await outbox.claimDue(limit: limit, now: now, lease: lease).map {
            QueuedNotification(id: $0.id, channel: $0.channel, event: $0.event, payload: $0.payload, attempts: $0.attempts)
        }
    }

    func markSent(_ item: QueuedNotification, at time: Date) async throws -> Bool {
        try await outbox.markSent(id: item.id, attempts: item.attempts, at: time)
    }

    func markFailed(_ item: QueuedNotification, error: String, nextAttemptAt: Date?) async throws -> Bool {
        try await outbox.markFailed(id: item.id, attempts: item.attempts, error: error, nextAttemptAt: nextAttemptAt)
    }

    func pendingCount() async throws -> Int {
        try await outbox.pendingCount()
    }
}

extension NotificationOutbox.Item {
    /// One outbox row per channel for `notification`: how the server fans an event out to every configured channel.
    static func fanOut(_ notification: JitsudoNotify.Notification, to channels: [String]) throws -> [NotificationOutbox.Item] {
        let payload = try notification.jsonPayload()
        return channels.map {
            NotificationOutbox.Item(
                channel: $0, event: notification.event, payload: payload, priority: notification.priority == .high ? .high : .normal)
        }
    }
}
