import Foundation
import JitsudoCore
import JitsudoProviders
import JitsudoStore
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The leader's work: ends requests whose time ran out and works the provider-revocation queue.
///
/// It keeps the next due moment (earliest expiry, pending TTL end or revocation retry) and sleeps exactly
/// until then on `clock`, woken early by `NOTIFY jitsudo_grants` when a grant is issued, extended or ended; a
/// periodic re-scan is only a safety net. What is due is decided by one time source, the service's `now` (the same
/// one the workflow checks each expiry with, and the one a test moves together with `clock`). Every write carries
/// the leader's epoch (fencing), and every step re-checks the row under its own lock, so nothing is ended or revoked
/// twice.
struct GrantSweeper: Sendable {
    let service: RequestService
    let revocations: RevocationQueue
    /// The replica's change feed, followed on `jitsudo_grants`.
    let changes: ChangeFeed
    let safetyInterval: Duration
    let pendingTTLSeconds: Int64
    let clock: AnyClock
    let logger: Logger

    /// Runs as leader with `epoch` until cancelled (leadership lost or shutdown).
    func lead(epoch: Int64) async {
        let announced = Mutex(AnnouncedSchedule())
        let pendingTTLSeconds = pendingTTLSeconds
        await changes.waking(
            on: "jitsudo_grants",
            noting: { payload in
                announced.withLock { $0.note(ScheduleNotification(payload: payload), pendingTTLSeconds: pendingTTLSeconds) }
            }
        ) { wake in
            // A pass runs when its deadline comes: the next due moment (measured from the previous pass's start, so it
            // can only come early, never late) or the safety interval. A NOTIFY (a grant issued, extended or ended)
            // can only move the deadline earlier, so that a stream of changes never postpones a due pass; when
            // something is already due, the pass runs at once. A notification that says its due moment (a grant
            // issued or extended, a request pending) moves the deadline without a query; one that does not (a grant
            // ended, a reconnect) looks at the schedule again — one indexed query, not a pass with its gauges and
            // queue.
            var deadline = clock.now
            while !Task.isCancelled {
                if clock.now >= deadline {
                    let passStarted = clock.now
                    await sweepOnce(epoch: epoch)
                    deadline = passStarted + (await delayUntilNextDue())
                }
                await wake.wait(until: deadline, on: clock)
                guard !Task.isCancelled, clock.now < deadline else { continue }
                let heard = announced.withLock { announced in
                    defer { announced = AnnouncedSchedule() }
                    return announced
                }
                let delay: Duration
                if heard.lookAgain {
                    delay = await delayUntilNextDue()
                } else if let due = heard.earliestDue {
                    delay = self.delay(until: due)
                } else {
                    continue
                }
                deadline = Self.deadline(afterChange: deadline, now: clock.now, delayUntilDue: delay)
            }
        }
    }

    /// The next pass's deadline after a schedule change (a NOTIFY): at once when something is due already (the delay is
    /// only the margin), else the earlier of the current deadline and the new due moment — never later than it was, so
    /// that a stream of changes cannot postpone a pass that is due.
    static func deadline(afterChange current: AnyClock.Instant, now: AnyClock.Instant, delayUntilDue: Duration) -> AnyClock.Instant {
        delayUntilDue <= dueMargin ? now : min(current, now + delayUntilDue)
    }

    /// Added to every wait for a due moment, so that the pass it wakes finds the moment passed on `now` too.
    static let dueMargin = Duration.milliseconds(5)

    /// How long until the next due moment plus ``dueMargin`` (exactly the margin when something is due already), at
    /// most the safety interval (also when the database cannot say).
    func delayUntilNextDue() async -> Duration {
        guard let due = try? await service.requests.nextDue(pendingTTLSeconds: pendingTTLSeconds) else { return safetyInterval }
        return delay(until: due)
    }

    /// How long until `due` plus ``dueMargin`` on the service's `now`, at most the safety interval.
    func delay(until due: AuditTimestamp) -> Duration {
        let micros = due.microseconds.subtractingReportingOverflow(service.now().microseconds)
        guard !micros.overflow else { return micros.partialValue < 0 ? safetyInterval : Self.dueMargin }
        return min(safetyInterval, .microseconds(max(micros.partialValue, 0)) + Self.dueMargin)
    }

    /// One pass: expire what is due, then drain the revocation queue of what is due now.
    func sweepOnce(epoch: Int64?) async {
        do {
            for id in try await service.requests.due(at: service.now(), pendingTTLSeconds: pendingTTLSeconds) {
                do {
                    let ended = try await service.expire(id, fence: epoch)
                    if let expiresAt = ended.expiresAt {
                        let lag = Double(service.now().microseconds - expiresAt.microseconds) / 1_000_000
                        Recorder(label: "jitsudo_expiry_lag_seconds", aggregate: true).record(max(0, lag))
                    }
                    logger.info("request expired", metadata: ["request.id": "\(id)", "request.state": "\(ended.state.rawValue)"])
                } catch {
                    logger.debug("expiry skipped", metadata: ["request.id": "\(id)", "error": "\(Database.describe(error))"])
                }
            }
            Gauge(label: "jitsudo_grants_active").record(try await service.requests.activeCount())
            Gauge(label: "jitsudo_revocations_pending").record(try await revocations.pendingCount())
            Gauge(label: "jitsudo_requests_pending_past_half_ttl").record(
                try await service.requests.pendingCount(olderThanSeconds: pendingTTLSeconds / 2, at: service.now()))
            let providers = service.providers
            let log = logger
            while try await revocations.processNext(
                fence: epoch,
                revoke: { due in
                    let (requestID, provider, token) = (due.requestID, due.provider, due.revokeToken)
                    guard let adapter = providers[provider] else { return .failed("provider \(provider) is not enabled on this replica") }
                    if let token, adapter.sharesObject(revokeToken: token), !due.otherHolders.isEmpty {
                        log.info(
                            "shared provider object kept: other active grants hold it",
                            metadata: ["request.id": "\(requestID)", "held_by": "\(due.otherHolders.joined(separator: ","))"])
                        return .kept(heldBy: due.otherHolders)
                    }
                    do {
                        try await adapter.revoke(requestID: requestID, revokeToken: token)
                        Counter(label: "jitsudo_grants_revoked_total", dimensions: [("provider", provider)]).increment()
                        return .revoked
                    } catch {
                        let message = (error as? ProviderError)?.message ?? "\(error)"
                        Counter(label: "jitsudo_revocation_failures_total", dimensions: [("provider", provider)]).increment()
                        log.warning("provider revocation failed; will retry", metadata: ["request.id": "\(requestID)", "error": "\(message)"])
                        return .failed(message)
                    }
                })
            {}
        } catch {
            // Cancelled (leadership lost, shutting down): the next leader's pass takes over, nothing failed.
            guard !Task.isCancelled else { return }
            logger.warning("sweep failed; retrying", metadata: ["error": "\(Database.describe(error))"])
        }
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool { isCancelled || isShuttingDownGracefully }
}
