import Foundation
import JitsudoNotify
import Logging
import MetricsTestKit
import Synchronization
import Testing

@Suite struct DispatcherTests {
    let logger = Logger(label: "jitsudo.tests.notify")

    func dispatcher(_ queue: InMemoryQueue, _ notifiers: [any Notifier], metrics: TestMetrics = TestMetrics(), maximumAttempts: Int = 3)
        throws -> NotificationDispatcher
    {
        try NotificationDispatcher(
            configuration: .init(
                batchSize: 10, retry: RetryPolicy(baseDelay: .seconds(10), maximumDelay: .seconds(3600), maximumAttempts: maximumAttempts)),
            queue: queue, notifiers: notifiers, logger: logger, metricsFactory: metrics, random: { 1 }
        )
    }

    @Test func failuresBackOffExponentiallyThenGiveUpAndStayVisible() async throws {
        let queue = InMemoryQueue()
        try queue.add(created(), channel: "slack")
        let slack = RecordingNotifier(channel: "slack", failures: 100)
        let metrics = TestMetrics()
        let dispatcher = try dispatcher(queue, [slack], metrics: metrics)
        var now = fixedDate

        #expect(try await dispatcher.drainOnce(now: now) == .init(claimed: 1, retried: 1))
        #expect(queue.snapshot[0].nextAttemptAt == now.addingTimeInterval(10))
        // Not due yet: nothing is claimed.
        #expect(try await dispatcher.drainOnce(now: now.addingTimeInterval(9)) == .init())

        now = now.addingTimeInterval(10)
        #expect(try await dispatcher.drainOnce(now: now) == .init(claimed: 1, retried: 1))
        #expect(queue.snapshot[0].nextAttemptAt == now.addingTimeInterval(20))

        now = now.addingTimeInterval(20)
        #expect(try await dispatcher.drainOnce(now: now) == .init(claimed: 1, gaveUp: 1))
        let row = queue.snapshot[0]
        #expect(row.nextAttemptAt == nil)
        #expect(row.sentAt == nil)
        #expect(row.item.attempts == 3)
        #expect(row.lastError.contains("scripted failure"))
        #expect(try await dispatcher.drainOnce(now: now.addingTimeInterval(1_000_000)) == .init())

        #expect(try metrics.expectCounter("jitsudo_notifications_failed_total", [("channel", "slack")]).totalValue == 3)
        #expect(metrics.counters(label: "jitsudo_notifications_sent_total").isEmpty)
        #expect(try metrics.expectGauge("jitsudo_notifications_pending").lastValue == 0)
    }

    @Test func aRecoveredChannelSendsOnceAndCountsIt() async throws {
        let queue = InMemoryQueue()
        try queue.add(created(1), channel: "slack")
        try queue.add(created(2), channel: "email")
        let slack = RecordingNotifier(channel: "slack", failures: 1)
        let email = RecordingNotifier(channel: "email")
        let metrics = TestMetrics()
        let dispatcher = try dispatcher(queue, [slack, email], metrics: metrics)

        #expect(try await dispatcher.drainOnce(now: fixedDate) == .init(claimed: 2, sent: 1, retried: 1))
        #expect(try metrics.expectGauge("jitsudo_notifications_pending").lastValue == 1)
        #expect(try await dispatcher.drainOnce(now: fixedDate.addingTimeInterval(10)) == .init(claimed: 1, sent: 1))
        #expect(slack.sent.map(\.title) == ["Request 1 created"])
        #expect(email.sent.map(\.title) == ["Request 2 created"])
        #expect(try metrics.expectCounter("jitsudo_notifications_sent_total", [("channel", "slack")]).totalValue == 1)
        #expect(try metrics.expectCounter("jitsudo_notifications_sent_total", [("channel", "email")]).totalValue == 1)
        #expect(try metrics.expectCounter("jitsudo_notifications_failed_total", [("channel", "slack")]).totalValue == 1)
        #expect(try metrics.expectGauge("jitsudo_notifications_pending").lastValue == 0)
    }

    @Test func rowsForAnUnconfiguredChannelOrWithABadPayloadAreGivenUpAtOnce() async throws {
        let queue = InMemoryQueue()
        try queue.add(created(), channel: "pager")
        let dispatcher = try dispatcher(queue, [RecordingNotifier(channel: "slack")])
        #expect(try await dispatcher.drainOnce(now: fixedDate) == .init(claimed: 1, gaveUp: 1))
        #expect(queue.snapshot[0].lastError.contains("no notifier is configured for channel \"pager\""))
    }

    @Test func twoNotifiersWithOneChannelNameAreRefused() {
        #expect(throws: NotifyError.self) {
            _ = try NotificationDispatcher(
                queue: InMemoryQueue(), notifiers: [RecordingNotifier(channel: "slack"), RecordingNotifier(channel: "slack")], logger: logger
            )
        }
    }

    @Test func runDrainsWithTheInjectedSleepUntilCancelled() async throws {
        let queue = InMemoryQueue()
        for index in 0..<25 { try queue.add(created(index), channel: "slack") }
        let slack = RecordingNotifier(channel: "slack")
        let sleeps = SleepLog()
        let dispatcher = try NotificationDispatcher(
            configuration: .init(batchSize: 10), queue: queue, notifiers: [slack], logger: logger, metricsFactory: TestMetrics(),
            now: { fixedDate },
            sleep: { duration in
                // Two idle polls, then stop: the loop must end on a throwing sleep (cancellation).
                if sleeps.record(duration) >= 2 { throw CancellationError() }
            }
        )
        await dispatcher.run()
        #expect(slack.sent.count == 25)
        // 10 + 10 + 5: two full batches run back to back, the short one is followed by the poll interval.
        #expect(sleeps.durations == [.seconds(2), .seconds(2)])
    }
}

/// Counts the sleeps `run()` asks for.
final class SleepLog: Sendable {
    private let state = Mutex<[Duration]>([])
    var durations: [Duration] { state.withLock { $0 } }
    func record(_ duration: Duration) -> Int {
        state.withLock {
            $0.append(duration)
            return $0.count
        }
    }
}
