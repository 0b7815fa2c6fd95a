import JitsudoCore
import JitsudoStore
import JitsudoTesting
import PostgresNIO
import Synchronization
import Testing

/// `RequestRepository.transition(_:fence:from:_:)`: a decision on what the caller last wrote is written in one statement
/// only while the row is exactly that version; otherwise it is decided again under the lock.
@Suite struct OptimisticTransitionTests {
    /// A request that needs two approvals, created; its snapshot, claiming `state` instead of the row's when given (the
    /// version stays the row's).
    private static func created(_ repository: RequestRepository, claiming state: RequestState? = nil) async throws -> RequestRepository.Snapshot {
        var (request, created) = newRequest()
        request.requiredApprovals = 2
        var snapshot = RequestRepository.Snapshot(stored: try await repository.create(request, audit: [created]), approvals: [])
        if let state { snapshot.stored.request.state = state }
        return snapshot
    }

    /// `approve(by:)`, counting its calls and the approvals each call saw.
    private static func counted(_ approver: String, _ seen: Seen) -> (ElevationRequest, [Approval]) throws -> RequestRepository.Change {
        { request, approvals in
            seen.approvals.withLock { $0.append(approvals.count) }
            return try approve(by: approver)(request, approvals)
        }
    }

    @Test func aSnapshotStillCurrentIsWrittenWithoutTakingTheRowLock() async throws {
        try await withTestDatabase { test in
            let repository = RequestRepository(database: test.database)
            let snapshot = try await Self.created(repository)
            let id = snapshot.stored.request.id
            // Another transaction holds FOR KEY SHARE on the row: an update of its other columns (and an approval's
            // foreign key) can proceed, the transition's SELECT … FOR UPDATE could not until it ends.
            let (holding, held) = AsyncStream<Void>.makeStream()
            let (releasing, release) = AsyncStream<Void>.makeStream()
            let seen = Seen()
            let outcome = Outcome()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await test.database.transaction { connection in
                        try await connection.query("SELECT id FROM requests WHERE id = \(id.rawValue) FOR KEY SHARE", logger: test.database.logger)
                        held.finish()
                        for await _ in releasing {}
                    }
                }
                for await _ in holding {}
                group.addTask {
                    let stored = try await repository.transition(id, from: snapshot, Self.counted("bob@example.com", seen))
                    outcome.state.withLock { $0.stored = stored }
                }
                // Until the transition returns, or waits for a lock (it would wait for the holder's, forever).
                try await waitUntil("the transition returns or waits for a lock", every: .milliseconds(10)) {
                    if outcome.state.withLock({ $0.stored != nil }) { return true }
                    let waiting = try await count(
                        test.database,
                        "SELECT COUNT(*)::integer FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
                    if waiting > 0 { outcome.state.withLock { $0.waitedForALock = true } }
                    return waiting > 0
                }
                release.finish()
                try await group.waitForAll()
            }
            let (written, waitedForALock) = outcome.state.withLock { $0 }
            #expect(!waitedForALock, "the transition waited for the row lock")
            let stored = try #require(written)
            #expect(seen.approvals.withLock { $0 } == [0], "decided once, on the snapshot")
            #expect(stored.request.state == .pending && stored.version != snapshot.stored.version)
            #expect(try await repository.approvals(of: id).map(\.approverIdentity) == ["bob@example.com"])
        }
    }

    /// The case a state check alone would miss: an approval written since the snapshot leaves the state PENDING.
    @Test func aRowWrittenSinceTheSnapshotInTheSameStateIsDecidedAgainUnderTheLock() async throws {
        try await withTestDatabase { test in
            let repository = RequestRepository(database: test.database)
            let snapshot = try await Self.created(repository)
            let id = snapshot.stored.request.id
            let afterBob = try await repository.transition(id, approve(by: "bob@example.com"))
            #expect(afterBob.state == .pending)
            let seen = Seen()
            let stored = try await repository.transition(id, from: snapshot, Self.counted("carol@example.com", seen))
            #expect(seen.approvals.withLock { $0 } == [0, 1], "decided on the snapshot (no approval), then on the row (bob's)")
            #expect(stored.request.state == .approved, "carol's is the second approval of two")
            #expect(try await repository.approvals(of: id).count == 2)
            try await test.sequenceAudit()
            #expect(try await AuditLog(database: test.database).verify().intact)
        }
    }

    @Test func aDecisionRefusedOnTheSnapshotIsDecidedAgainUnderTheLock() async throws {
        try await withTestDatabase { test in
            let repository = RequestRepository(database: test.database)
            // A snapshot that says REJECTED (the row is PENDING): approving it is refused there, not on the row.
            let snapshot = try await Self.created(repository, claiming: .rejected)
            let id = snapshot.stored.request.id
            let seen = Seen()
            let stored = try await repository.transition(id, from: snapshot, Self.counted("bob@example.com", seen))
            #expect(seen.approvals.withLock { $0.count } == 2)
            #expect(stored.request.state == .pending)
            #expect(try await repository.approvals(of: id).count == 1)
        }
    }

    @Test func aSnapshotOfAnotherStateThanTheRowsWritesNothing() async throws {
        try await withTestDatabase { test in
            let repository = RequestRepository(database: test.database)
            // The right version but another state: the update's state check refuses it too, and the lock decides.
            let snapshot = try await Self.created(repository, claiming: .approved)
            let id = snapshot.stored.request.id
            let seen = Seen()
            await #expect(throws: (any Error).self) {
                _ = try await repository.transition(id, from: snapshot) { request, approvals in
                    seen.approvals.withLock { $0.append(approvals.count) }
                    guard request.state == .approved else { throw StoreError(.invalidArgument, "the row is \(request.state)") }
                    var commented = request
                    commented.approverComment = "decided on the snapshot"
                    return RequestRepository.Change(request: commented, audit: [])
                }
            }
            #expect(seen.approvals.withLock { $0.count } == 2)
            let row = try await repository.get(id)
            #expect(row.state == .pending && (row.approverComment ?? "").isEmpty, "nothing written")
        }
    }
}

/// The approvals each call of a decision saw, in order.
final class Seen: Sendable {
    let approvals = Mutex<[Int]>([])
}

/// What a transition run beside a lock holder returned, and whether it was seen waiting for a lock.
final class Outcome: Sendable {
    let state = Mutex<(stored: StoredRequest?, waitedForALock: Bool)>((nil, false))
}
