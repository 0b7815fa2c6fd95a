import JitsudoCore
import JitsudoStore
import JitsudoTesting
import Logging
import PostgresNIO
import Testing

/// The audit chain sequenced by the leader (migration 11, `AuditSequencer`): staging is durable and write-ahead, a
/// crash between staging and sequencing or in the middle of a batch loses nothing and forks nothing, writers of three
/// replicas (and sequencers racing) make one chain, and a sequencer whose epoch is stale links nothing.
@Suite struct AuditSequencerTests {
    let logger = Logger(label: "audit-sequencer-tests")

    @Test func aTransactionThatRollsBackOrLosesItsConnectionStagesNothing() async throws {
        struct Abort: Error {}
        try await withTestDatabase { test in
            await #expect(throws: Abort.self) {
                try await test.database.transaction { connection in
                    try await AuditLog.append(
                        AuditDraft(actor: "alice@example.com", action: "request.created"), on: connection, logger: test.database.logger)
                    throw Abort()
                }
            }
            // The backend dies between staging the event and the commit that would have stored it.
            await #expect(throws: (any Error).self) {
                try await test.database.transaction { connection in
                    try await AuditLog.append(
                        AuditDraft(actor: "bob@example.com", action: "request.created"), on: connection, logger: test.database.logger)
                    try await connection.query("SELECT pg_terminate_backend(pg_backend_pid())", logger: test.database.logger)
                }
            }
            // Checked through a fresh client: the pool above lost a connection on purpose.
            try await withClient(test.url) { database in
                #expect(try await count(database, "SELECT COUNT(*)::integer FROM audit_pending") == 0)
                let log = AuditLog(database: database)
                try await log.append(AuditDraft(actor: "carol@example.com", action: "request.created"))
                #expect(try await AuditSequencer(database: database).sequenceAll(fence: nil) == 1)
                let events = try await log.events(matching: .init(), pageSize: 10).events
                #expect(events.map(\.id) == [1] && events.map(\.actorIdentity) == ["carol@example.com"])
                #expect(try await log.verify().summary == "Chain intact: 1 events verified")
            }
        }
    }

    /// A replica stages events and dies before any sequencer ran; a sequencer crashes in the middle of a batch (its
    /// backend terminated after the batch's writes, before the commit). Nothing is lost and no id is skipped or used
    /// twice: the next sequencer links every event once, in staging order.
    @Test func aCrashBetweenStagingAndSequencingOrInsideABatchLosesNothing() async throws {
        try await withTestDatabase { test in
            try await withClient(test.url, maximumConnections: 2) { replica in
                for index in 1...30 {
                    try await AuditLog(database: replica).append(
                        AuditDraft(actor: "writer@example.com", action: "request.created", details: ["n": .int(Int64(index))]))
                }
            }
            let verification = try await AuditLog(database: test.database).verify()
            #expect(verification.summary == "Chain intact: 0 events verified" && verification.unsequencedEvents == 30)

            try await withClient(test.url, maximumConnections: 1) { crashing in
                await #expect(throws: (any Error).self) {
                    try await AuditSequencer(database: crashing).sequenceBatch(limit: 10, fence: nil) { connection in
                        let linkedElsewhere = try await count(test.database, "SELECT COUNT(*)::integer FROM audit_events")
                        #expect(linkedElsewhere == 0, "nothing is visible before the batch commits")
                        try await connection.query("SELECT pg_terminate_backend(pg_backend_pid())", logger: test.database.logger)
                    }
                }
                return ()
            }
            #expect(try await count(test.database, "SELECT COUNT(*)::integer FROM audit_events") == 0)
            #expect(try await count(test.database, "SELECT COUNT(*)::integer FROM audit_pending") == 30)
            #expect(try await count(test.database, "SELECT last_id::integer FROM audit_chain_head") == 0)

            #expect(try await AuditSequencer(database: test.database).sequenceAll(fence: nil, batchSize: 7) == 30)
            let log = AuditLog(database: test.database)
            #expect(try await log.verify().summary == "Chain intact: 30 events verified")
            let events = try await log.events(matching: .init(), pageSize: 100).events
            #expect(events.map(\.detailsJSON) == (1...30).map { #"{"n":\#($0)}"# })
            #expect(events.map(\.id) == (1...30).map { Int64($0) })
            #expect(try await count(test.database, "SELECT COUNT(*)::integer FROM audit_pending") == 0)
        }
    }

    /// Three replicas (a pool each, as separate processes) write while two sequencers run at once (a deposed leader not
    /// yet fenced out, unfenced here): one chain, every event exactly once, each transaction's events in their order.
    @Test func threeReplicasWritingWhileTwoSequencersRaceMakeOneChain() async throws {
        try await withTestDatabase { test in
            let replicas = 3
            let writersPerReplica = 4
            let transactionsPerWriter = 30
            let total = replicas * writersPerReplica * transactionsPerWriter * 3
            try await withThrowingTaskGroup(of: Void.self) { group in
                for replica in 0..<replicas {
                    group.addTask {
                        try await withClient(test.url, maximumConnections: writersPerReplica) { pool in
                            try await withThrowingTaskGroup(of: Void.self) { writers in
                                for writer in 0..<writersPerReplica {
                                    writers.addTask {
                                        for index in 0..<transactionsPerWriter {
                                            let tag = "r\(replica)-w\(writer)-\(index)"
                                            try await pool.transaction { connection in
                                                try await AuditLog.append(
                                                    [1, 2, 3].map {
                                                        AuditDraft(
                                                            actor: "\(tag)@example.com", action: "request.created", details: ["step": .int($0)])
                                                    },
                                                    on: connection, logger: pool.logger)
                                            }
                                        }
                                    }
                                }
                                try await writers.waitForAll()
                            }
                        }
                    }
                }
                for _ in 0..<2 {
                    group.addTask {
                        try await withClient(test.url, maximumConnections: 1) { pool in
                            let sequencer = AuditSequencer(database: pool)
                            while !Task.isCancelled, try await count(pool, "SELECT count(*)::integer FROM audit_events") < total {
                                _ = try await sequencer.sequenceBatch(limit: 50, fence: nil)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let log = AuditLog(database: test.database)
            #expect(try await log.verify().summary == "Chain intact: \(total) events verified")
            let rows = try await test.database.query(
                "SELECT actor_identity, array_agg(details_json ORDER BY id) FROM audit_events GROUP BY actor_identity")
            var transactions = 0
            for try await (actor, details) in rows.decode((String, [String]).self) {
                transactions += 1
                #expect(details == [#"{"step":1}"#, #"{"step":2}"#, #"{"step":3}"#], "\(actor)")
            }
            #expect(transactions == replicas * writersPerReplica * transactionsPerWriter)
            #expect(try await count(test.database, "SELECT COUNT(*)::integer FROM audit_pending") == 0)
        }
    }

    /// Sequencing is leader work: a sequencer whose epoch is no longer the current one links nothing and leaves the
    /// events staged for the current leader.
    @Test func aSequencerWithAStaleEpochLinksNothing() async throws {
        try await withTestDatabase { test in
            let old = try await LeaderLockConnection.open(test.url, logger: logger)
            #expect(try await old.tryAcquire(holder: "r1") == 1)
            let log = AuditLog(database: test.database)
            let sequencer = AuditSequencer(database: test.database)
            try await log.append(AuditDraft(actor: "alice@example.com", action: "request.created"))
            #expect(try await sequencer.sequenceBatch(fence: 1) == 1)
            await old.release()
            let new = try await LeaderLockConnection.open(test.url, logger: logger)
            #expect(try await new.tryAcquire(holder: "r2") == 2)

            try await log.append(AuditDraft(actor: "bob@example.com", action: "request.created"))
            await #expect(throws: StoreError(.failedPrecondition, "")) { try await sequencer.sequenceBatch(fence: 1) }
            #expect(try await count(test.database, "SELECT COUNT(*)::integer FROM audit_pending") == 1)
            #expect(try await log.verify().summary == "Chain intact: 1 events verified")
            #expect(try await sequencer.sequenceBatch(fence: 2) == 1)
            #expect(try await log.verify().summary == "Chain intact: 2 events verified")
            await old.close()
            await new.close()
        }
    }

    /// One transaction staging many events (a bulk load, a revoke-all) is linked in batches, in order, leaving nothing.
    @Test func aBulkTransactionIsLinkedInOrderAndLeavesNothingStaged() async throws {
        try await withTestDatabase { test in
            let events = 5_000
            try await test.database.query(
                """
                INSERT INTO audit_pending (actor_identity, action, request_id, provider, resource_scope, outcome, details_json)
                SELECT 'bulk@example.com', 'request.created', NULL, 'mock', 'bulk', 'success', '{"n":' || n || '}'
                FROM generate_series(1, \(events)) AS n
                """)
            #expect(try await test.sequenceAudit() == events)
            #expect(try await AuditLog(database: test.database).verify().summary == "Chain intact: \(events) events verified")
            let rows = try await test.database.query("SELECT details_json FROM audit_events ORDER BY id")
            var order: [String] = []
            for try await (details) in rows.decode(String.self) { order.append(details) }
            #expect(order == (1...events).map { #"{"n":\#($0)}"# })
            #expect(try await count(test.database, "SELECT COUNT(*)::integer FROM audit_pending") == 0)
        }
    }

    /// A read of the audit log answers only once the events staged before it are in the chain, and refuses (rather
    /// than answering without them) when nothing sequences them.
    @Test func anAuditReadWaitsForItsOwnEventsOrRefuses() async throws {
        try await withTestDatabase { test in
            let log = AuditLog(database: test.database)
            try await log.append(AuditDraft(actor: "alice@example.com", action: "request.created"))
            await #expect(throws: StoreError(.unavailable, "")) { try await log.awaitSequenced(within: .milliseconds(50)) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                // A stand-in leader that sequences only when asked (the read's NOTIFY), and once when it starts listening.
                group.addTask {
                    try await withClient(test.url, maximumConnections: 1) { pool in
                        let feed = ChangeFeed(url: test.url, channels: ["jitsudo_audit_staged"], connectionID: 99, logger: logger)
                        let asked = WakeSignal()
                        await withTaskGroup(of: Void.self) { standIn in
                            standIn.addTask { await feed.run() }
                            standIn.addTask {
                                await feed.following("jitsudo_audit_staged", { _ in asked.signal() }) {
                                    while !Task.isCancelled {
                                        await asked.wait()
                                        _ = try? await AuditSequencer(database: pool).sequenceAll(fence: nil)
                                    }
                                }
                            }
                        }
                    }
                }
                group.addTask {
                    // Until the listener is there, the read's NOTIFY may go unheard: ask again until it is answered.
                    while true {
                        do {
                            try await log.awaitSequenced(within: .milliseconds(500))
                            break
                        } catch let error as StoreError where error.code == .unavailable {
                            continue
                        }
                    }
                    let events = try await log.events(matching: .init(), pageSize: 10).events
                    #expect(events.map(\.actorIdentity) == ["alice@example.com"])
                }
                // The reader ends first; the listener runs until cancelled.
                try await group.next()
                group.cancelAll()
            }
        }
    }
}
