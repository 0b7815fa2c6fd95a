import Foundation
import JitsudoCore
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
///
/// Time: `clock` paces the machine (when to heartbeat, poll and reconnect); a heartbeat's age is the database's
/// (every replica reads the same clock, so skew between machines does not matter); the bounds on waiting for a
/// query that may hang stay on the real clock, since they measure the connection, not the schedule.
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
    let clock: AnyClock
    let leaderWork: @Sendable (Int64) async -> Void
    private let state = Mutex<Role>(.standby)

    init(
        url: DatabaseURL, leadership: Leadership, replicaID: String, leaseTTL: Duration = .seconds(5),
        heartbeatInterval: Duration = .seconds(1), pollInterval: Duration = .milliseconds(250), clock: AnyClock = .continuous,
        logger: Logger, leaderWork: @escaping @Sendable (Int64) async -> Void
    ) {
        self.url = url
        self.leadership = leadership
        self.replicaID = replicaID
        self.leaseTTL = leaseTTL
        self.heartbeatInterval = heartbeatInterval
        self.pollInterval = pollInterval
        self.clock = clock
        self.logger = logger
        self.leaderWork = leaderWork
    }

    var role: Role { state.withLock { $0 } }

    var heartbeatTimeout: Duration { leaseTTL / 2 }

    var leaseTTLMilliseconds: Int64 {
        leaseTTL.components.seconds * 1000 + leaseTTL.components.attoseconds / 1_000_000_000_000_000
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await self.drive()
        } onGracefulShutdown: {
            self.logger.info("leader election stopping", metadata: ["replica.id": "\(self.replicaID)"])
        }
    }

    /// Carries out the state machine's actions one at a time and feeds it what happened. Shutdown is noticed between
    /// actions and inside every wait.
    private func drive() async {
        var configuration = LeaderStateMachine.Configuration()
        configuration.leaseTTLMilliseconds = leaseTTLMilliseconds
        configuration.heartbeatInterval = heartbeatInterval
        configuration.pollInterval = pollInterval
        var machine = LeaderStateMachine(configuration: configuration)
        var pending = machine.start()
        var lock: LeaderLockConnection?
        var work: Task<Void, Never>?
        var shutdownSeen = false
        while true {
            // Checked before the queue: an action skipped because shutdown began leaves the queue empty, and the
            // shutdown's own actions (stop leader work, release, close) must still run.
            if !shutdownSeen, Task.isCancelledOrShuttingDown {
                shutdownSeen = true
                pending += machine.handle(.shutdown)
            }
            guard !pending.isEmpty else { break }
            let action = pending.removeFirst()
            var event: LeaderStateMachine.Event?
            switch action {
            case .openConnection(let delay):
                guard await pause(delay) else { continue }
                do {
                    lock = try await LeaderLockConnection.open(url, logger: logger)
                    event = .connected
                } catch {
                    logger.warning("leader connection failed; retrying", metadata: ["error": "\(Database.describe(error))"])
                    event = .connectFailed
                }
            case .tryLock(let delay):
                guard await pause(delay), let lock else { continue }
                event = await campaign(on: lock)
            case .endStaleHolder:
                event = .staleHolderEnded((try? await leadership.terminateStaleHolder(ttlMilliseconds: leaseTTLMilliseconds)) ?? false)
            case .startLeaderWork(let epoch):
                state.withLock { $0 = .leader(epoch: epoch) }
                // Its own task, so that losing leadership never waits on it for long: a statement stuck on a dead
                // connection does not end on cancellation. Fencing makes an abandoned task harmless.
                work = Task { await self.leaderWork(epoch) }
            case .heartbeat(let delay):
                guard await pause(delay), let lock, case .leader(let epoch) = role else { continue }
                event = .heartbeat(stillLeader: await beat(epoch, on: lock))
            case .stopLeaderWork:
                state.withLock { $0 = .standby }
                if let running = work {
                    running.cancel()
                    if await firstOf(timeout: .seconds(1), { await running.value }) == nil {
                        logger.error(
                            "leader work did not stop within 1 s of losing leadership; abandoned (its writes are fenced)",
                            metadata: ["replica.id": "\(replicaID)"])
                    }
                }
                work = nil
                event = .leaderWorkStopped
            case .releaseLock:
                if let open = lock, open.isOpen { _ = await firstOf(timeout: .milliseconds(500)) { await open.release() } }
            case .closeConnection:
                if let open = lock { _ = await firstOf(timeout: .milliseconds(500)) { await open.close() } }
                lock = nil
            case .note(let note):
                record(note)
            }
            if let event { pending += machine.handle(event) }
        }
        // Only reached through shutdown, when the machine stopped; never leave work running or a connection unclosed
        // (PostgresNIO traps on an unclosed connection in debug builds).
        work?.cancel()
        if let open = lock { _ = await firstOf(timeout: .milliseconds(500)) { await open.close() } }
    }

    /// Waits `delay` on the clock, ending early on shutdown; false when shutting down.
    private func pause(_ delay: Duration) async -> Bool {
        if delay > .zero { try? await cancelWhenGracefulShutdown { try await self.clock.sleep(for: delay) } }
        return !Task.isCancelledOrShuttingDown
    }

    /// One campaign step on `lock`: take the lock (and bump the epoch), or report who holds it.
    private func campaign(on lock: LeaderLockConnection) async -> LeaderStateMachine.Event {
        do {
            if try await lock.tryLock() { return .lockWon(epoch: try await takeOver(on: lock)) }
            let status = try await leadership.status()
            return .lockHeld(holder: status.holder, epoch: status.epoch, heartbeatAgeMilliseconds: status.heartbeatAgeMilliseconds)
        } catch {
            // Also what happens before migrations created the leadership table (42P01).
            if let error = error as? PSQLError, error.serverInfo?[.sqlState] == "42P01" {
                logger.debug("leader campaign waits for the schema (migrations not applied yet)")
            } else {
                logger.warning("leader campaign interrupted", metadata: ["error": "\(Database.describe(error))"])
            }
            return .campaignFailed
        }
    }

    private func record(_ note: LeaderStateMachine.Note) {
        switch note {
        case .following(let holder, let epoch):
            Gauge(label: "jitsudo_leader").record(0)
            // Each replica's log shows every change of leader, not only its own.
            logger.info("following leader", metadata: ["replica.id": "\(replicaID)", "leader.holder": "\(holder)", "leader.epoch": "\(epoch)"])
        case .staleHolder(let holder, let age):
            logger.warning(
                "ending a stale leader's backend",
                metadata: [
                    "replica.id": "\(replicaID)", "leader.holder": "\(holder)", "heartbeat.age_ms": "\(age)",
                ])
        case .acquired(let epoch):
            Counter(label: "jitsudo_leadership_changes_total").increment()
            Gauge(label: "jitsudo_leader").record(1)
            logger.info("leadership acquired", metadata: ["replica.id": "\(replicaID)", "leader.epoch": "\(epoch)"])
        case .lost(let epoch):
            Gauge(label: "jitsudo_leader").record(0)
            logger.error("leadership lost", metadata: ["replica.id": "\(replicaID)", "leader.epoch": "\(epoch)"])
        case .handedOver(let epoch):
            Gauge(label: "jitsudo_leader").record(0)
            logger.info("leadership released", metadata: ["replica.id": "\(replicaID)", "leader.epoch": "\(epoch)"])
        }
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

    /// One heartbeat. One that does not complete within ``heartbeatTimeout`` (half the lease) counts as lost; the
    /// state machine then closes the lock connection, which ends the lock: a standby may take over once the lease
    /// has run out, and this replica has stopped all leader work by then. The wait is abandoned rather than
    /// cancelled: a query on a hung connection does not end when its task is cancelled, and a task group would wait.
    private func beat(_ epoch: Int64, on lock: LeaderLockConnection) async -> Bool {
        let answered = await firstOf(timeout: heartbeatTimeout) { (try? await lock.heartbeat(epoch: epoch)) ?? false }
        guard let answered else {
            logger.error("leader heartbeat timed out; closing the leader connection", metadata: ["replica.id": "\(replicaID)"])
            return false
        }
        return answered
    }
}
