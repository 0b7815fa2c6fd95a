import Foundation
import JitsudoNotify
import JitsudoStore
import JitsudoTesting
import Logging
import MetricsTestKit
import PostgresNIO
import Testing

/// The outbox against a real PostgreSQL (started by JitsudoTesting).
@Suite struct OutboxTests {
    let logger = Logger(label: "jitsudo.tests.notify")

    struct Rollback: Error {}

    @Test func aRolledBackTransactionSendsNothingACommittedOneSendsOnce() async throws {
        try await withTestDatabase { test in
            let database = test.database
            let outbox = NotificationOutbox(database: database)
            await #expect(throws: Rollback.self) {
                try await database.transaction { connection in
                    try await NotificationOutbox.enqueue(
                        try NotificationOutbox.Item.fanOut(created(1), to: ["slack"]), on: connection, logger: logger)
                    throw Rollback()
                }
            }
            #expect(try await outbox.pendingCount() == 0)
            try await database.transaction { connection in
                try await NotificationOutbox.enqueue(
                    try NotificationOutbox.Item.fanOut(breakGlass(), to: ["slack", "webhook"]), on: connection, logger: logger)
            }
            #expect(try await outbox.pendingCount() == 2)
            #expect(try await outbox.oldestPendingAge(now: Date().addingTimeInterval(60)).map { $0 >= .seconds(59) } == true)

            let slack = RecordingNotifier(channel: "slack")
            let webhook = RecordingNotifier(channel: "webhook")
            let dispatcher = try NotificationDispatcher(
                queue: OutboxQueueAdapter(outbox: outbox), notifiers: [slack, webhook], logger: logger, metricsFactory: TestMetrics()
            )
            let now = Date()
            #expect(try await dispatcher.drainOnce(now: now) == .init(claimed: 2, sent: 2))
            #expect(try await dispatcher.drainOnce(now: now.addingTimeInterval(100_000)) == .init())
            #expect(slack.sent == [breakGlass()])
            #expect(webhook.sent == [breakGlass()])
            #expect(try await outbox.pendingCount() == 0)
            #expect(try await outbox.sentCount() == 2)
            #expect(try await outbox.oldestPendingAge(now: now) == nil)
        }
    }

    @Test func twoDispatchersDrainingConcurrentlySendEveryRowExactlyOnce() async throws {
        try await withTestDatabase { test in
            let outbox = NotificationOutbox(database: test.database)
            let rows = 200
            try await test.database.transaction { connection in
                for index in 0..<rows {
                    try await NotificationOutbox.enqueue(
                        try NotificationOutbox.Item.fanOut(created(index), to: ["webhook"]), on: connection, logger: logger)
                }
            }
            let receiver = try await HTTPReceiver()
            defer { Task { await receiver.stop() } }
            let secret = "0123456789abcdef0123456789abcdef-secret"
            let queue = OutboxQueueAdapter(outbox: outbox)
            let dispatchers = try (0..<2).map { _ in
                try NotificationDispatcher(
                    configuration: .init(batchSize: 7), queue: queue,
                    notifiers: [try WebhookNotifier(configuration: .init(url: receiver.url, secret: secret))],
                    logger: logger, metricsFactory: TestMetrics()
                )
            }
            let claimed = try await withThrowingTaskGroup(of: Int.self) { group in
                for dispatcher in dispatchers {
                    group.addTask {
                        var total = 0
                        while true {
                            let result = try await dispatcher.drainOnce(now: Date())
                            if result.claimed == 0 { return total }
                            total += result.claimed
                        }
                    }
                }
                var perDispatcher: [Int] = []
                for try await count in group { perDispatcher.append(count) }
                return perDispatcher
            }
            #expect(claimed.reduce(0, +) == rows)
            let titles = receiver.requests.compactMap { try? JitsudoNotify.Notification(jsonPayload: $0.text).title }
            #expect(titles.count == rows)
            #expect(Set(titles).count == rows)
            #expect(try await outbox.sentCount() == rows)
            #expect(try await outbox.pendingCount() == 0)
        }
    }

    @Test func failuresBackOffAndStayVisibleAfterTheLastAttempt() async throws {
        try await withTestDatabase { test in
            let outbox = NotificationOutbox(database: test.database)
            try await test.database.transaction { connection in
                try await NotificationOutbox.enqueue(try NotificationOutbox.Item.fanOut(created(), to: ["webhook"]), on: connection, logger: logger)
            }
            let receiver = try await HTTPReceiver(statuses: Array(repeating: 503, count: 10))
            defer { Task { await receiver.stop() } }
            let metrics = TestMetrics()
            let dispatcher = try NotificationDispatcher(
                configuration: .init(retry: RetryPolicy(baseDelay: .seconds(10), maximumDelay: .seconds(3600), maximumAttempts: 3)),
                queue: OutboxQueueAdapter(outbox: outbox),
                notifiers: [try WebhookNotifier(configuration: .init(url: receiver.url, secret: "0123456789abcdef0123456789abcdef-secret"))],
                logger: logger, metricsFactory: metrics, random: { 0.5 }
            )
            // Whole seconds keep microsecond round trips exact.
            var now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down) + 1)
            let id: Int64 = 1  // a fresh database: the first bigserial value

            #expect(try await dispatcher.drainOnce(now: now) == .init(claimed: 1, retried: 1))
            var row = try #require(try await outbox.row(id: id))
            #expect(row.attempts == 1)
            #expect(row.lastError.contains("HTTP 503"))
            // 10 s × (0.5 + 0.5 × 0.5) = 7.5 s
            let first = try #require(row.nextAttemptAt)
            #expect(first == now.addingTimeInterval(7.5))

            #expect(try await dispatcher.drainOnce(now: first.addingTimeInterval(-1)) == .init())
            now = first
            #expect(try await dispatcher.drainOnce(now: now) == .init(claimed: 1, retried: 1))
            row = try #require(try await outbox.row(id: id))
            let second = try #require(row.nextAttemptAt)
            #expect(second == now.addingTimeInterval(15))
            #expect(second.timeIntervalSince(now) > first.timeIntervalSince(now.addingTimeInterval(-7.5)))

            now = second
            #expect(try await dispatcher.drainOnce(now: now) == .init(claimed: 1, gaveUp: 1))
            row = try #require(try await outbox.row(id: id))
            #expect(row.attempts == 3)
            #expect(row.nextAttemptAt == nil)
            #expect(row.sentAt == nil)
            #expect(row.lastError.contains("HTTP 503"))
            #expect(try await outbox.failedCount() == 1)
            #expect(try await outbox.pendingCount() == 0)
            #expect(try await dispatcher.drainOnce(now: now.addingTimeInterval(1_000_000_000)) == .init())
            #expect(receiver.requests.count == 3)
            #expect(try metrics.expectCounter("jitsudo_notifications_failed_total", [("channel", "webhook")]).totalValue == 3)
        }
    }

    @Test func aStaleClaimChangesNothing() async throws {
        try await withTestDatabase { test in
            let outbox = NotificationOutbox(database: test.database)
            try await test.database.transaction { connection in
                try await NotificationOutbox.enqueue(try NotificationOutbox.Item.fanOut(created(), to: ["slack"]), on: connection, logger: logger)
            }
            let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down) + 1)
            let first = try #require(try await outbox.claimDue(limit: 10, now: now, lease: .seconds(60)).first)
            #expect(try await outbox.claimDue(limit: 10, now: now.addingTimeInterval(59)).isEmpty)
            // The lease ran out: another replica claims it again.
            let second = try #require(try await outbox.claimDue(limit: 10, now: now.addingTimeInterval(60), lease: .seconds(60)).first)
            #expect(second.attempts == first.attempts + 1)
            #expect(try await !outbox.markSent(id: first.id, attempts: first.attempts, at: now))
            #expect(try await !outbox.markFailed(id: first.id, attempts: first.attempts, error: "late", nextAttemptAt: nil))
            #expect(try await outbox.markSent(id: second.id, attempts: second.attempts, at: now))
            #expect(try await !outbox.markSent(id: second.id, attempts: second.attempts, at: now))
            #expect(try await outbox.sentCount() == 1)
        }
    }

    @Test func aPayloadThatIsNotJSONIsRefused() async throws {
        try await withTestDatabase { test in
            _ = await #expect(throws: StoreError.self) {
                try await test.database.transaction { connection in
                    try await NotificationOutbox.enqueue([.init(channel: "slack", event: "x", payload: "{not json")], on: connection, logger: logger)
                }
            }
        }
    }
}
