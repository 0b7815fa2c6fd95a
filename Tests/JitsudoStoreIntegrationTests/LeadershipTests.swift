import Foundation
import JitsudoCore
import JitsudoStore
import JitsudoTesting
import Logging
import PostgresNIO
import Synchronization
import Testing

/// The leader election of the HA issue against a real PostgreSQL: the advisory lock on a dedicated connection,
/// the epoch bump, the stale-holder takeover and the fencing of every leader write.
@Suite struct LeadershipTests {
    let logger = Logger(label: "leadership-tests")

    @Test func twoContendersOnOneDatabaseGetExactlyOneLeader() async throws {
        try await withTestDatabase { test in
            let first = try await LeaderLockConnection.open(test.url, logger: logger)
            let second = try await LeaderLockConnection.open(test.url, logger: logger)
            let results = try await withThrowingTaskGroup(of: (String, Int64?).self) { group in
                group.addTask { ("r1", try await first.tryAcquire(holder: "r1")) }
                group.addTask { ("r2", try await second.tryAcquire(holder: "r2")) }
                var all: [String: Int64?] = [:]
                for try await (name, epoch) in group { all[name] = epoch }
                return all
            }
            let winners = results.filter { $0.value != nil }
            #expect(winners.count == 1 && winners.first?.value == 1, "exactly one contender wins, with epoch 1: \(results)")
            let status = try await Leadership(database: test.database).status()
            #expect(status.epoch == 1)
            #expect(status.holder == winners.first?.key)
            // Trying again changes nothing: the loser still loses, the epoch stays.
            let loser = winners.first?.key == "r1" ? second : first
            #expect(try await loser.tryAcquire(holder: "again") == nil)
            #expect(try await Leadership(database: test.database).status().epoch == 1)
            await first.close()
            await second.close()
        }
    }

    @Test func whenTheLeadersConnectionIsTerminatedTheOtherTakesOverWithTheNextEpoch() async throws {
        try await withTestDatabase { test in
            let leader = try await LeaderLockConnection.open(test.url, logger: logger)
            let standby = try await LeaderLockConnection.open(test.url, logger: logger)
            #expect(try await leader.tryAcquire(holder: "r1") == 1)
            #expect(try await standby.tryAcquire(holder: "r2") == nil)
            // Age the heartbeat past the lease, as a frozen leader's would be, and let the standby terminate it.
            try await test.database.query("UPDATE leadership SET heartbeat_at = now() - interval '10 seconds'")
            let leadership = Leadership(database: test.database)
            #expect(try await leadership.status().backendPID == leader.backendPID)
            #expect(try await leadership.terminateStaleHolder(ttlMilliseconds: 5000))
            var epoch: Int64?
            for _ in 0..<100 where epoch == nil {
                epoch = try await standby.tryAcquire(holder: "r2")
                if epoch == nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(epoch == 2)
            #expect(try await leadership.status().holder == "r2")
            // The old leader finds out on its next heartbeat: its connection is gone.
            #expect((try? await leader.heartbeat(epoch: 1)) != true)
            #expect(!leader.isOpen)
            await leader.close()
            await standby.close()
        }
    }

    @Test func aFreshHeartbeatIsNeverTerminated() async throws {
        try await withTestDatabase { test in
            let leader = try await LeaderLockConnection.open(test.url, logger: logger)
            #expect(try await leader.tryAcquire(holder: "r1") == 1)
            #expect(try await leader.heartbeat(epoch: 1))
            #expect(try await Leadership(database: test.database).terminateStaleHolder(ttlMilliseconds: 5000) == false)
            #expect(try await leader.heartbeat(epoch: 1))
            await leader.close()
        }
    }

    @Test func resignReleasesTheLockAtOnce() async throws {
        try await withTestDatabase { test in
            let leader = try await LeaderLockConnection.open(test.url, logger: logger)
            let standby = try await LeaderLockConnection.open(test.url, logger: logger)
            #expect(try await leader.tryAcquire(holder: "r1") == 1)
            #expect(try await standby.tryAcquire(holder: "r2") == nil)
            await leader.release()
            // No wait, no retry: the very next attempt wins.
            #expect(try await standby.tryAcquire(holder: "r2") == 2)
            // The old epoch's heartbeat now reports the loss.
            #expect(try await leader.heartbeat(epoch: 1) == false)
            await leader.close()
            await standby.close()
        }
    }

    @Test func aStaleEpochCanNeitherTransitionARequestNorProcessARevocation() async throws {
        try await withTestDatabase { test in
            let old = try await LeaderLockConnection.open(test.url, logger: logger)
            #expect(try await old.tryAcquire(holder: "r1") == 1)
            await old.release()
            let new = try await LeaderLockConnection.open(test.url, logger: logger)
            #expect(try await new.tryAcquire(holder: "r2") == 2)

            let repository = RequestRepository(database: test.database)
            let (request, created) = newRequest()
            _ = try await repository.create(request, audit: [created])
            let approveAsPolicy: @Sendable (ElevationRequest, [Approval]) throws -> RequestRepository.Change = { locked, _ in
                var updated = locked
                updated.state = .approved
                return RequestRepository.Change(
                    request: updated,
                    audit: [
                        AuditDraft(
                            actor: "policy", action: AuditAction.autoApproved,
                            requestID: locked.id.rawValue)
                    ])
            }
            await #expect(throws: StoreError(.failedPrecondition, "")) { try await repository.transition(request.id, fence: 1, approveAsPolicy) }
            #expect(try await repository.get(request.id).state == .pending)
            try await test.sequenceAudit()
            #expect(try await count(test.database, "SELECT COUNT(*)::integer FROM audit_events") == 1)
            #expect(try await repository.transition(request.id, fence: 2, approveAsPolicy).state == .approved)

            // A queued revocation: the stale epoch never reaches the provider, the current one does.
            try await test.database.query(
                PostgresQueryText("INSERT INTO revocations (request_id, cause) VALUES ('\(request.id.rawValue)', 'revoked')").query)
            let calls = Mutex(0)
            let queue = RevocationQueue(database: test.database)
            await #expect(throws: StoreError(.failedPrecondition, "")) {
                try await queue.processNext(fence: 1) { _ in
                    calls.withLock { $0 += 1 }
                    return .revoked
                }
            }
            #expect(calls.withLock { $0 } == 0)
            #expect(try await queue.pendingCount() == 1)
            #expect(
                try await queue.processNext(fence: 2) { _ in
                    calls.withLock { $0 += 1 }
                    return .revoked
                })
            #expect(calls.withLock { $0 } == 1)
            #expect(try await queue.pendingCount() == 0)
            await old.close()
            await new.close()
        }
    }

    @Test func theStaleHolderTakeoverStaysInItsOwnDatabase() async throws {
        try await withTestDatabase { first in
            try await withTestDatabase { second in
                // Same lock key, two databases of one cluster: both can lead, each in its own database.
                let leaderOne = try await LeaderLockConnection.open(first.url, logger: logger)
                let leaderTwo = try await LeaderLockConnection.open(second.url, logger: logger)
                #expect(try await leaderOne.tryAcquire(holder: "one") == 1)
                #expect(try await leaderTwo.tryAcquire(holder: "two") == 1)
                // The second database's leader goes stale; its standby terminates only that holder.
                try await second.database.query("UPDATE leadership SET heartbeat_at = now() - interval '1 hour'")
                #expect(try await Leadership(database: second.database).terminateStaleHolder(ttlMilliseconds: 5000))
                #expect((try? await leaderTwo.heartbeat(epoch: 1)) != true)
                #expect(try await leaderOne.heartbeat(epoch: 1), "the first database's leader was left alone")
                #expect(leaderOne.isOpen)
                // A stale heartbeat in a database where nobody holds the lock terminates nothing, even though another
                // database's holder holds the same key.
                // pg_terminate_backend only signals: wait until the terminated holder's lock is really gone.
                try await waitUntil("the terminated holder's advisory lock is released", timeout: .seconds(10)) {
                    let rows = try await second.database.query(
                        """
                        SELECT count(*)::integer FROM pg_locks WHERE locktype = 'advisory' AND objid = 2983689704
                        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                        """)
                    for try await held in rows.decode(Int.self) { return held == 0 }
                    return false
                }
                let third = try await LeaderLockConnection.open(second.url, logger: logger)
                try await second.database.query("UPDATE leadership SET heartbeat_at = now() - interval '1 hour'")
                #expect(try await Leadership(database: second.database).terminateStaleHolder(ttlMilliseconds: 5000) == false)
                #expect(try await leaderOne.heartbeat(epoch: 1))
                #expect(leaderOne.isOpen)
                await third.close()
                await leaderOne.close()
                await leaderTwo.close()
            }
        }
    }

    @Test func replicasReportListAgeAndLeave() async throws {
        try await withTestDatabase { test in
            let registry = ReplicaRegistry(database: test.database)
            try await registry.report(id: "r1", address: "10.0.0.1:8080", leader: false, epoch: 0)
            try await registry.report(id: "r2", address: "10.0.0.2:8080", leader: true, epoch: 7)
            try await registry.report(id: "r1", address: "10.0.0.1:8080", leader: false, epoch: 0)
            var listed = try await registry.list()
            #expect(listed.map(\.id) == ["r1", "r2"])
            #expect(listed.map(\.role) == ["standby", "leader"])
            #expect(listed[1].epoch == 7 && listed[1].address == "10.0.0.2:8080")
            #expect(listed.allSatisfy { $0.heartbeatAgeMilliseconds >= 0 && $0.heartbeatAgeMilliseconds < 60_000 })
            // A replica that stopped reporting ages, then drops out of the list; a graceful stop removes it at once.
            try await test.database.query("UPDATE replicas SET seen_at = now() - interval '20 seconds' WHERE id = 'r1'")
            listed = try await registry.list()
            #expect(listed.first { $0.id == "r1" }.map { $0.heartbeatAgeMilliseconds >= 20_000 } == true)
            try await test.database.query("UPDATE replicas SET seen_at = now() - interval '10 minutes' WHERE id = 'r1'")
            #expect(try await registry.list().map(\.id) == ["r2"])
            try await registry.remove(id: "r2")
            #expect(try await registry.list().isEmpty)
        }
    }
}
