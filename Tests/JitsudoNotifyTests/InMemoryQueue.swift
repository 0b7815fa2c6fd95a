import Foundation
import JitsudoNotify
import Synchronization

/// A ``OutboxQueue`` in memory with the outbox's semantics (lease, attempts as claim token, give up =
/// never due), for dispatcher tests without a database.
final class InMemoryQueue: OutboxQueue {
    struct Row: Sendable {
        var item: QueuedNotification
        var nextAttemptAt: Date?
        var sentAt: Date?
        var lastError = ""
    }

    private let rows = Mutex<[Row]>([])
    let lease: TimeInterval = 300

    func add(_ notification: JitsudoNotify.Notification, channel: String) throws {
        let payload = try notification.jsonPayload()
        rows.withLock { rows in
            rows.append(
                Row(
                    item: QueuedNotification(id: Int64(rows.count + 1), channel: channel, event: notification.event, payload: payload, attempts: 0),
                    nextAttemptAt: .distantPast
                ))
        }
    }

    var snapshot: [Row] { rows.withLock { $0 } }

    func claimDue(limit: Int, now: Date) async throws -> [QueuedNotification] {
        rows.withLock { rows in
            var claimed: [QueuedNotification] = []
            for index in rows.indices where claimed.count < limit {
                guard rows[index].sentAt == nil, let next = rows[index].nextAttemptAt, next <= now else { continue }
                rows[index].item.attempts += 1
                rows[index].nextAttemptAt = now.addingTimeInterval(lease)
                claimed.append(rows[index].item)
            }
            return claimed
        }
    }

    func markSent(_ item: QueuedNotification, at time: Date) async throws -> Bool {
        rows.withLock { rows in
            guard let index = rows.firstIndex(where: { $0.item.id == item.id && $0.item.attempts == item.attempts && $0.sentAt == nil }) else {
                return false
            }
            rows[index].sentAt = time
            return true
        }
    }

    func markFailed(_ item: QueuedNotification, error: String, nextAttemptAt: Date?) async throws -> Bool {
        rows.withLock { rows in
            guard let index = rows.firstIndex(where: { $0.item.id == item.id && $0.item.attempts == item.attempts && $0.sentAt == nil }) else {
                return false
            }
            rows[index].lastError = error
            rows[index].nextAttemptAt = nextAttemptAt
            return true
        }
    }

    func pendingCount() async throws -> Int {
        rows.withLock { $0.filter { $0.sentAt == nil && $0.nextAttemptAt != nil }.count }
    }
}

/// A notifier that records what it gets and fails while `failures` is positive.
final class RecordingNotifier: Notifier {
    let channel: String
    private let state: Mutex<(sent: [JitsudoNotify.Notification], failures: Int)>

    init(channel: String, failures: Int = 0) {
        self.channel = channel
        state = Mutex((sent: [], failures: failures))
    }

    var sent: [JitsudoNotify.Notification] { state.withLock { $0.sent } }

    func send(_ notification: JitsudoNotify.Notification) async throws {
        try state.withLock { state in
            if state.failures > 0 {
                state.failures -= 1
                throw NotifyError(.rejected, "\(channel): scripted failure")
            }
            state.sent.append(notification)
        }
    }
}
