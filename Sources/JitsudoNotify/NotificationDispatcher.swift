public import Foundation
public import Logging
public import Metrics

/// Drains the notification outbox: claims due rows, sends each through the ``Notifier`` of its channel, records
/// the outcome, and retries failures with exponential backoff and jitter (``RetryPolicy``).
///
/// Any number of replicas may run a dispatcher on the same queue: the queue's claim is atomic and leased (see
/// ``OutboxQueue``), so a row is not sent twice concurrently. Delivery is at least once: a replica that
/// dies after sending but before ``OutboxQueue/markSent(_:at:)`` leaves the row to be sent again when
/// its lease runs out.
///
/// Metrics (swift-metrics): `jitsudo_notifications_sent_total{channel}`,
/// `jitsudo_notifications_failed_total{channel}` (every failed attempt, including rows given up or with no
/// notifier), `jitsudo_notifications_given_up_total{channel}` (rows no longer retried), and the gauge
/// `jitsudo_notifications_pending` (rows still to be sent, after each drain).
public struct NotificationDispatcher: Sendable {
    /// Settings of the dispatcher.
    public struct Configuration: Sendable {
        /// Rows claimed per drain. Default 50.
        public var batchSize: Int
        /// Pause between drains that found less than a full batch. Default 2 s.
        public var pollInterval: Duration
        /// Backoff and give-up rule.
        public var retry: RetryPolicy

        /// Creates the settings; see each property for its default.
        public init(batchSize: Int = 50, pollInterval: Duration = .seconds(2), retry: RetryPolicy = RetryPolicy()) {
            self.batchSize = batchSize
            self.pollInterval = pollInterval
            self.retry = retry
        }

        /// Throws a ``NotifyError`` naming the bad setting.
        public func validate() throws(NotifyError) {
            guard (1...1000).contains(batchSize) else { throw NotifyError.invalid("notifications.batch_size", "must be 1-1000, was \(batchSize)") }
            guard pollInterval > .zero else { throw NotifyError.invalid("notifications.poll_interval", "must be positive") }
            try retry.validate()
        }
    }

    /// What one drain did.
    public struct DrainResult: Sendable, Equatable {
        /// Rows claimed.
        public var claimed = 0
        /// Rows delivered.
        public var sent = 0
        /// Rows that failed and will be retried.
        public var retried = 0
        /// Rows that failed for the last time (or had no notifier, or an unreadable payload).
        public var gaveUp = 0

        /// Creates a result (tests compare whole results).
        public init(claimed: Int = 0, sent: Int = 0, retried: Int = 0, gaveUp: Int = 0) {
            self.claimed = claimed
            self.sent = sent
            self.retried = retried
            self.gaveUp = gaveUp
        }
    }

    static let sentMetric = "jitsudo_notifications_sent_total"
    static let failedMetric = "jitsudo_notifications_failed_total"
    static let pendingMetric = "jitsudo_notifications_pending"
    static let givenUpMetric = "jitsudo_notifications_given_up_total"

    /// The validated settings.
    public let configuration: Configuration
    private let queue: any OutboxQueue
    private let notifiers: [String: any Notifier]
    private let logger: Logger
    private let metrics: any MetricsFactory
    private let random: @Sendable () -> Double
    private let now: @Sendable () -> Date
    private let sleep: @Sendable (Duration) async throws -> Void

    /// Creates a dispatcher.
    ///
    /// - Parameters:
    ///   - notifiers: one per channel; two with the same ``Notifier/channel`` are a configuration error.
    ///   - metricsFactory: where metrics go; default the bootstrapped `MetricsSystem`.
    ///   - random: jitter source, values in 0…1.
    ///   - now: the clock ``run()`` reads.
    ///   - sleep: how ``run()`` waits between drains; tests pass one that returns at once.
    public init(
        configuration: Configuration = Configuration(),
        queue: any OutboxQueue,
        notifiers: [any Notifier],
        logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
        now: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) throws(NotifyError) {
        try configuration.validate()
        var byChannel: [String: any Notifier] = [:]
        for notifier in notifiers {
            guard byChannel[notifier.channel] == nil else {
                throw NotifyError.invalid("notifications.\(notifier.channel).channel", "two notifiers use the channel name \"\(notifier.channel)\"")
            }
            byChannel[notifier.channel] = notifier
        }
        self.configuration = configuration
        self.queue = queue
        self.notifiers = byChannel
        self.logger = logger
        self.metrics = metricsFactory
        self.random = random
        self.now = now
        self.sleep = sleep
    }

    /// The channels with a notifier.
    public var channels: [String] { notifiers.keys.sorted() }

    /// Drains until the task is cancelled: a full batch is followed at once by the next drain, anything less by
    /// ``Configuration/pollInterval``. Queue errors (database down) are logged and retried after the interval.
    public func run() async {
        while !Task.isCancelled {
            do {
                let result = try await drainOnce(now: now())
                if result.claimed >= configuration.batchSize { continue }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("notification outbox unavailable", metadata: ["error": "\(error)"])
            }
            do { try await sleep(configuration.pollInterval) } catch { return }
        }
    }

    /// Claims due rows once, sends them concurrently, records every outcome and updates the pending gauge.
    /// Throws only when the queue itself fails (claim); outcome writes that fail are logged.
    @discardableResult
    public func drainOnce(now: Date) async throws -> DrainResult {
        let items = try await queue.claimDue(limit: configuration.batchSize, now: now)
        var result = DrainResult(claimed: items.count)
        await withTaskGroup(of: Outcome.self) { group in
            for item in items {
                group.addTask { await process(item, now: now) }
            }
            for await outcome in group {
                switch outcome {
                case .sent: result.sent += 1
                case .retried: result.retried += 1
                case .gaveUp: result.gaveUp += 1
                }
            }
        }
        do {
            Gauge(label: Self.pendingMetric, factory: metrics).record(try await queue.pendingCount())
        } catch {
            logger.debug("notification pending count unavailable", metadata: ["error": "\(error)"])
        }
        return result
    }

    private enum Outcome: Sendable { case sent, retried, gaveUp }

    private func process(_ item: QueuedNotification, now: Date) async -> Outcome {
        var metadata: Logger.Metadata = [
            "notification.id": "\(item.id)", "notification.channel": "\(item.channel)", "notification.event": "\(item.event)",
            "notification.attempt": "\(item.attempts)",
        ]
        let error: any Error
        var permanent = false
        if let notifier = notifiers[item.channel] {
            do {
                let notification = try Notification(jsonPayload: item.payload)
                try await notifier.send(notification)
                Counter(label: Self.sentMetric, dimensions: [("channel", item.channel)], factory: metrics).increment()
                await record { try await queue.markSent(item, at: now) }
                logger.debug("notification sent", metadata: metadata)
                return .sent
            } catch let decoding as DecodingError {
                error = NotifyError(.badPayload, "the outbox payload is not a notification: \(decoding)")
                permanent = true
            } catch let caught {
                error = caught
            }
        } else {
            error = NotifyError(.unknownChannel, "no notifier is configured for channel \"\(item.channel)\"; configure it, then requeue the row")
            permanent = true
        }
        Counter(label: Self.failedMetric, dimensions: [("channel", item.channel)], factory: metrics).increment()
        let message = String("\(error)".prefix(1000))
        metadata["error"] = "\(message)"
        if permanent || configuration.retry.givesUp(afterAttempt: item.attempts) {
            await record { try await queue.markFailed(item, error: message, nextAttemptAt: nil) }
            Counter(label: Self.givenUpMetric, dimensions: [("channel", item.channel)], factory: metrics).increment()
            logger.error("notification given up", metadata: metadata)
            return .gaveUp
        }
        let delay = configuration.retry.delay(afterAttempt: item.attempts, random: random())
        let next = now.addingTimeInterval(delay.seconds)
        metadata["notification.next_attempt_at"] = "\(Notification.timestamp(next))"
        await record { try await queue.markFailed(item, error: message, nextAttemptAt: next) }
        logger.warning("notification failed, will retry", metadata: metadata)
        return .retried
    }

    /// Runs an outcome write; a failure is logged (the lease runs out and the row is retried).
    private func record(_ write: () async throws -> Bool) async {
        do {
            if try await !write() { logger.warning("notification claim was stale; outcome not recorded") }
        } catch {
            logger.warning("notification outcome not recorded", metadata: ["error": "\(error)"])
        }
    }
}
