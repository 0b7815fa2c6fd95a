import Foundation
import JitsudoStore
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Elects one leader among the replicas through the PostgreSQL advisory lock and runs the leader-only work
/// (expiry and the revocation queue) while — and only while — it holds the lock.
///
/// Safety: leadership is the session lock on a dedicated connection; the epoch bumped at acquisition is a fencing
/// token every leader write re-checks under a share lock, so a leader that was frozen or lost its connection can
/// change nothing once a standby took over. Liveness: a standby that sees the heartbeat older than the lease TTL
/// terminates the holder's backend, which frees the lock.
final class LeaderElector: Service, Sendable {
    enum Role: Sendable, Equatable {
        case standby
        case leader(epoch: Int64)
    }

    let url: DatabaseURL
    let leadership: Leadership
    let replicaID: String
    let leaseTTL: Duration
    let heartbeatInterval: Duration
    let logger: Logger
    let pollInterval: Duration
    let leaderWork: @Sendable (Int64) async -> Void
    private let state = Mutex<Role>(.standby)

    init(url: DatabaseURL, leadership: Leadership, replicaID: String, leaseTTL: Duration = .seconds(5),
         heartbeatInterval: Duration = .seconds(1), pollInterval: Duration = .milliseconds(250), logger: Logger,
         leaderWork: @escaping @Sendable (Int64) async -> Void) {
        self.url = url
        self.leadership = leadership
        self.replicaID = replicaID
        self.leaseTTL = leaseTTL
        self.heartbeatInterval = heartbeatInterval
        self.pollInterval = pollInterval
        self.logger = logger
        self.leaderWork = leaderWork
    }

    var role: Role { state.withLock { $0 } }

    var heartbeatTimeout: Duration { leaseTTL / 2 }

    func run() async throws {
        await withGracefulShutdownHandler {
            await self.loop()
        } onGracefulShutdown: {
            self.logger.info("leader election stopping", metadata: ["replica.id": "\(self.replicaID)"])
        }
    }

    private func loop() async {
        var backoff: Duration = .milliseconds(100)
        while !Task.isCancelledOrShuttingDown {
            let lock: LeaderLockConnection
            do {
                lock = try await LeaderLockConnection.open(url, logger: logger)
                backoff = .milliseconds(100)
            } catch {
                logger.warning("leader connection failed; retrying", metadata: ["error": "\(Database.describe(error))"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(2))
                continue
            }
            await campaign(on: lock)
            await lock.close()
        }
    }

    /// Standby until the lock is won, then lead until the lock or the epoch is lost.
    private func campaign(on lock: LeaderLockConnection) async {
        var observedEpoch: Int64?
        while !Task.isCancelledOrShuttingDown {
            do {
                if try await lock.tryLock() {
                    let epoch = try await takeOver(on: lock)
                    await lead(epoch: epoch, on: lock)
                    return
                }
                let status = try await leadership.status()
                if observedEpoch != status.epoch {
                    // Each replica's log shows every change of leader, not only its own.
                    logger.info("following leader", metadata: [
                        "replica.id": "\(replicaID)", "leader.holder": "\(status.holder)", "leader.epoch": "\(status.epoch)",
                    ])
                    observedEpoch = status.epoch
                }
                // Someone else leads; take over from a holder whose heartbeat went stale.
                if status.heartbeatAgeMilliseconds > leaseTTLMilliseconds,
                    try await leadership.terminateStaleHolder(ttlMilliseconds: leaseTTLMilliseconds)
                {
                    logger.warning("terminated a stale leader's backend", metadata: [
                        "replica.id": "\(replicaID)", "leader.holder": "\(status.holder)",
                        "heartbeat.age_ms": "\(status.heartbeatAgeMilliseconds)",
                    ])
                    continue
                }
            } catch {
                // Also what happens before migrations created the leadership table (42P01): back off, then start over.
                if let error = error as? PSQLError, error.serverInfo?[.sqlState] == "42P01" {
                    logger.debug("leader campaign waits for the schema (migrations not applied yet)")
                } else {
                    logger.warning("leader campaign interrupted", metadata: ["error": "\(Database.describe(error))"])
                }
                try? await Task.sleep(for: .seconds(1))
                return
            }
            try? await Task.sleep(for: pollInterval)
        }
    }

    var leaseTTLMilliseconds: Int64 {
        leaseTTL.components.seconds * 1000 + leaseTTL.components.attoseconds / 1_000_000_000_000_000
    }

    /// With the lock won: bumps the epoch. The bump waits for open fenced writes of the previous leader; one that
    /// stays open (a frozen process, a cut-off network) is terminated after a short grace, so a takeover never waits
    /// for a frozen leader to wake up.
    private func takeOver(on lock: LeaderLockConnection) async throws -> Int64 {
        let logger = self.logger
        let url = self.url
        return try await withThrowingTaskGroup(of: Int64?.self) { group in
            group.addTask { try await lock.bumpEpoch(holder: self.replicaID) }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: .milliseconds(500))
                    let terminated = try await lock.terminateBlockers(url)
                    if terminated > 0 {
                        logger.warning("terminated the previous leader's open transactions", metadata: ["count": "\(terminated)"])
                    }
                }
                return nil
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let epoch = result { return epoch }
            }
            throw CancellationError()
        }
    }

    private func lead(epoch: Int64, on lock: LeaderLockConnection) async {
        state.withLock { $0 = .leader(epoch: epoch) }
        Counter(label: "jitsudo_leadership_changes_total").increment()
        logger.info("leadership acquired", metadata: ["replica.id": "\(replicaID)", "leader.epoch": "\(epoch)"])
        // The leader work runs in its own task so that losing leadership never waits on it for long: a statement
        // stuck on a dead connection does not end on cancellation. Fencing makes an abandoned task harmless.
        let work = Task { await self.leaderWork(epoch) }
        // Heartbeat on the lock connection; any failure or a newer epoch ends leadership at once.
        while !Task.isCancelledOrShuttingDown {
            let stillLeader = await beat(epoch, on: lock)
            guard stillLeader, lock.isOpen else {
                logger.error("leadership lost", metadata: ["replica.id": "\(replicaID)", "leader.epoch": "\(epoch)"])
                break
            }
            try? await Task.sleep(for: heartbeatInterval)
        }
        work.cancel()
        if await firstOf(timeout: .seconds(5), { await work.value }) == nil {
            logger.error("leader work did not stop within 5 s of losing leadership; abandoned (its writes are fenced)",
                         metadata: ["replica.id": "\(replicaID)", "leader.epoch": "\(epoch)"])
        }
        state.withLock { $0 = .standby }
        if Task.isShuttingDownGracefully, lock.isOpen {
            // Hand over at once instead of waiting for the lease to run out.
            await lock.release()
            logger.info("leadership released", metadata: ["replica.id": "\(replicaID)", "leader.epoch": "\(epoch)"])
        }
    }

    /// One heartbeat. One that does not complete within ``heartbeatTimeout`` (half the lease) counts as lost and closes
    /// the lock connection, which ends the lock: a standby may take over once the lease has run out, and this
    /// replica has stopped all leader work by then. The wait is abandoned rather than cancelled: a query on a hung
    /// connection does not end when its task is cancelled, and a task group would wait for it.
    private func beat(_ epoch: Int64, on lock: LeaderLockConnection) async -> Bool {
        let answered = await firstOf(timeout: heartbeatTimeout) { (try? await lock.heartbeat(epoch: epoch)) ?? false }
        guard let answered else {
            logger.error("leader heartbeat timed out; closing the leader connection", metadata: ["replica.id": "\(replicaID)"])
            await lock.close()
            return false
        }
        return answered
    }
}
