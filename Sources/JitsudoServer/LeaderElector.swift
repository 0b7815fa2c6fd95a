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
    let leaderWork: @Sendable (Int64) async -> Void
    private let state = Mutex<Role>(.standby)

    init(url: DatabaseURL, leadership: Leadership, replicaID: String, leaseTTL: Duration = .seconds(5),
         heartbeatInterval: Duration = .seconds(1), logger: Logger, leaderWork: @escaping @Sendable (Int64) async -> Void) {
        self.url = url
        self.leadership = leadership
        self.replicaID = replicaID
        self.leaseTTL = leaseTTL
        self.heartbeatInterval = heartbeatInterval
        self.logger = logger
        self.leaderWork = leaderWork
    }

    var role: Role { state.withLock { $0 } }

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
                logger.warning("leader connection failed; retrying", metadata: ["error": "\(error)"])
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
        while !Task.isCancelledOrShuttingDown {
            do {
                if let epoch = try await lock.tryAcquire(holder: replicaID) {
                    await lead(epoch: epoch, on: lock)
                    return
                }
                // Someone else leads; take over from a holder whose heartbeat went stale.
                let ttl = Int64(leaseTTL.components.seconds * 1000 + leaseTTL.components.attoseconds / 1_000_000_000_000_000)
                if try await leadership.status().heartbeatAgeMilliseconds > ttl,
                    try await leadership.terminateStaleHolder(ttlMilliseconds: ttl)
                {
                    logger.warning("terminated a stale leader's backend", metadata: ["replica.id": "\(replicaID)"])
                    continue
                }
            } catch {
                // Also what happens before migrations created the leadership table (42P01): back off, then start over.
                if let error = error as? PSQLError, error.serverInfo?[.sqlState] == "42P01" {
                    logger.debug("leader campaign waits for the schema (migrations not applied yet)")
                } else {
                    logger.warning("leader campaign interrupted", metadata: ["error": "\(String(reflecting: error))"])
                }
                try? await Task.sleep(for: .seconds(1))
                return
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    private func lead(epoch: Int64, on lock: LeaderLockConnection) async {
        state.withLock { $0 = .leader(epoch: epoch) }
        Counter(label: "jitsudo_leadership_changes_total").increment()
        logger.info("leadership acquired", metadata: ["replica.id": "\(replicaID)", "leader.epoch": "\(epoch)"])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.leaderWork(epoch) }
            // Heartbeat on the lock connection; any failure or a newer epoch ends leadership at once.
            while !Task.isCancelledOrShuttingDown {
                let stillLeader = (try? await lock.heartbeat(epoch: epoch)) ?? false
                guard stillLeader, lock.isOpen else {
                    logger.error("leadership lost", metadata: ["replica.id": "\(replicaID)", "leader.epoch": "\(epoch)"])
                    break
                }
                try? await Task.sleep(for: heartbeatInterval)
            }
            group.cancelAll()
        }
        state.withLock { $0 = .standby }
        if Task.isShuttingDownGracefully {
            // Hand over at once instead of waiting for the lease to run out.
            await lock.release()
            logger.info("leadership released", metadata: ["replica.id": "\(replicaID)", "leader.epoch": "\(epoch)"])
        }
    }
}
