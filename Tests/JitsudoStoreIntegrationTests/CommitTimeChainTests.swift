import JitsudoCore
import JitsudoStore
import JitsudoTesting
import Logging
import PostgresNIO
import Testing

/// The audit chain linked at commit (migration 8): the SQL hash is the spec's, concurrent writers from several
/// replicas make one chain with each transaction's events adjacent, and a transaction that dies before its commit
/// leaves nothing.
@Suite struct CommitTimeChainTests {
    @Test func theDatabaseHashesTheSpecVectorsExactly() async throws {
        try await withTestDatabase { test in
            let vector1 = "f470d7a0f09a849bc7fb812e118266de0cead330624bce9e45296134796981ac"
            let vector2 = "ce74d35176a6a24eacf99ea6b44dcf293a720d3a005e2f611cf87944f4aea9f5"
            let rows = try await test.database.query(
                """
                SELECT audit_chain_hash('', 1, '2026-03-20T16:00:00.000000Z', 'alice@example.com', 'request.created',
                           'req_01JQ0000000000000000000000', 'mock', 'test-scope', 'success',
                           '{"break_glass":false,"duration_seconds":3600,"provider":"mock","reason":"INC-4421","resource_scope":"test-scope","role":"admin"}'),
                       audit_chain_hash(\(vector1), 2, '2026-03-20T16:01:02.123456Z', 'bob@example.com', 'request.approved',
                           'req_01JQ0000000000000000000000', 'mock', 'test-scope', 'success', \("{\"comment\":\"LGTM \u{2713}\"}")),
                       audit_chain_hash(\(vector2), 5, '2026-03-20T18:00:00.000001Z', 'system', 'grant.expired', NULL, '', '',
                           'success', '{}')
                """
            )
            var hashes: [String] = []
            for try await (first, second, third) in rows.decode((String, String, String).self) { hashes = [first, second, third] }
            #expect(hashes == [vector1, vector2, "d0baab45bcd65691debae4fc4aecb83732e00941d5483c66c700646340fe5707"])
        }
    }

    @Test func aTransactionThatRollsBackOrLosesItsConnectionLeavesNoEventAndNoGap() async throws {
        struct Abort: Error {}
        try await withTestDatabase { test in
            await #expect(throws: Abort.self) {
                try await test.database.transaction { connection in
                    try await AuditLog.append(
                        AuditDraft(actor: "alice@example.com", action: "request.created"), on: connection, logger: test.database.logger)
                    throw Abort()
                }
            }
            // The backend dies between staging the event and the commit that would have linked it.
            await #expect(throws: (any Error).self) {
                try await test.database.transaction { connection in
                    try await AuditLog.append(
                        AuditDraft(actor: "bob@example.com", action: "request.created"), on: connection, logger: test.database.logger)
                    try await connection.query("SELECT pg_terminate_backend(pg_backend_pid())", logger: test.database.logger)
                }
            }
            // Checked through a fresh client: the pool above lost a connection on purpose.
            try await withClient(test.url) { database in
                let log = AuditLog(database: database)
                #expect(try await count(database, "SELECT COUNT(*)::integer FROM audit_events") == 0)
                #expect(try await count(database, "SELECT COUNT(*)::integer FROM audit_pending") == 0)
                try await log.append(AuditDraft(actor: "carol@example.com", action: "request.created"))
                let events = try await log.events(matching: .init(), pageSize: 10).events
                #expect(events.map(\.id) == [1] && events.map(\.actorIdentity) == ["carol@example.com"])
                #expect(AuditChain.hash(of: events[0]) == events[0].hash)
                #expect(try await log.verify().summary == "Chain intact: 1 events verified")
            }
        }
    }

    @Test func threeReplicasWritingAtOnceMakeOneChainWithEachTransactionsEventsAdjacent() async throws {
        try await withTestDatabase { test in
            let replicas = 3
            let writersPerReplica = 4
            let transactionsPerWriter = 40
            try await withThrowingTaskGroup(of: Void.self) { group in
                for replica in 0..<replicas {
                    group.addTask {
                        // Each replica has its own connection pool, as separate jitsudod processes would.
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
                try await group.waitForAll()
            }
            let total = replicas * writersPerReplica * transactionsPerWriter * 3
            let log = AuditLog(database: test.database)
            #expect(try await log.verify().summary == "Chain intact: \(total) events verified")
            // Every transaction's three events are consecutive and in the order they were appended.
            let rows = try await test.database.query(
                "SELECT actor_identity, array_agg(id ORDER BY id), array_agg(details_json ORDER BY id) FROM audit_events GROUP BY actor_identity"
            )
            var transactions = 0
            for try await (actor, ids, details) in rows.decode((String, [Int64], [String]).self) {
                transactions += 1
                #expect(ids.count == 3 && ids[2] - ids[0] == 2, "\(actor): \(ids)")
                #expect(details == [#"{"step":1}"#, #"{"step":2}"#, #"{"step":3}"#], "\(actor)")
            }
            #expect(transactions == replicas * writersPerReplica * transactionsPerWriter)
            #expect(try await count(test.database, "SELECT COUNT(*)::integer FROM audit_pending") == 0)
        }
    }

    /// One transaction staging many events (a bulk load, a revoke-all) is linked once, in order, and leaves nothing
    /// pending — the link of migration 9, which no longer grows an array row by row (make bench measures its speed).
    @Test func aBulkTransactionIsLinkedInOrderAndLeavesNothingPending() async throws {
        try await withTestDatabase { test in
            let events = 5_000
            try await test.database.query(
                """
                INSERT INTO audit_pending (actor_identity, action, request_id, provider, resource_scope, outcome, details_json)
                SELECT 'bulk@example.com', 'request.created', NULL, 'mock', 'bulk', 'success', '{"n":' || n || '}'
                FROM generate_series(1, \(events)) AS n
                """)
            #expect(try await AuditLog(database: test.database).verify().summary == "Chain intact: \(events) events verified")
            let rows = try await test.database.query("SELECT details_json FROM audit_events ORDER BY id")
            var order: [String] = []
            for try await (details) in rows.decode(String.self) { order.append(details) }
            #expect(order == (1...events).map { #"{"n":\#($0)}"# })
            #expect(try await count(test.database, "SELECT COUNT(*)::integer FROM audit_pending") == 0)
        }
    }
}
