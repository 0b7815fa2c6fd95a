import JitsudoCore
import JitsudoStore
import JitsudoTesting
import PostgresNIO
import Synchronization
import Testing

@Suite struct AuditLogTests {
    @Test func storedEventsHashExactlyAsTheCoreComputesThem() async throws {
        try await withTestDatabase { test in
            let log = AuditLog(database: test.database)
            try await log.append(AuditDraft(actor: "alice@example.com", action: "request.created", details: ["comment": "LGTM \u{2713}"]))
            #expect(try await test.sequenceAudit() == 1)
            let page = try await log.events(matching: .init(), pageSize: 10)
            #expect(page.events.count == 1)
            let stored = try #require(page.events.first)
            // The sequencer linked it; the core's hash of the stored fields is the stored hash.
            #expect(AuditChain.hash(of: stored) == stored.hash)
            #expect(stored.id == 1 && stored.prevHash == "" && stored.detailsJSON == #"{"comment":"LGTM \#u{2713}"}"#)
        }
    }

    /// An event appended on its own (a refusal) is stored when `append` returns, or `append` throws: a failure to stage
    /// it (here a sabotaged staging table) is reported, not lost, and stages nothing.
    @Test func anEventAppendedOnItsOwnThatCannotBeStagedIsAnError() async throws {
        try await withTestDatabase { test in
            let log = AuditLog(database: test.database)
            try await log.append(AuditDraft(actor: "alice@example.com", action: "request.denied", details: [:]))
            try await test.database.query(PostgresQueryText("ALTER TABLE audit_pending ADD CONSTRAINT sabotage CHECK (seq < 2) NOT VALID").query)
            await #expect(throws: (any Error).self) {
                try await log.append(AuditDraft(actor: "alice@example.com", action: "request.denied", details: [:]))
            }
            #expect(try await count(test.database, "SELECT COUNT(*)::integer FROM audit_pending") == 1)
            #expect(try await test.sequenceAudit() == 1)
            #expect(try await log.events(matching: .init(), pageSize: 10).events.count == 1)
        }
    }

    /// The staging table makes the checks `audit_events` makes, so an event the chain would refuse is refused with its
    /// change, in the change's transaction, and can never stop the sequencer later.
    @Test func anEventTheChainWouldRefuseIsRefusedWhenStaged() async throws {
        try await withTestDatabase { test in
            for (column, value) in [("actor_identity", "''"), ("action", "'Request Created'"), ("request_id", "''"), ("outcome", "'maybe'")] {
                let values = ["actor_identity": "'a@example.com'", "action": "'request.created'", "request_id": "NULL", "outcome": "'success'"]
                    .merging([column: value]) { $1 }
                await #expect(throws: (any Error).self, "\(column) = \(value)") {
                    try await test.database.query(
                        PostgresQueryText(
                            """
                            INSERT INTO audit_pending (actor_identity, action, request_id, provider, resource_scope, outcome, details_json)
                            VALUES (\(values["actor_identity"]!), \(values["action"]!), \(values["request_id"]!), '', '', \(values["outcome"]!), '{}')
                            """
                        ).query)
                }
            }
            let staged = try await count(test.database, "SELECT COUNT(*)::integer FROM audit_pending")
            #expect(staged == 0)
        }
    }

    @Test func theLogIsAppendOnlyForEveryRole() async throws {
        try await withTestDatabase { test in
            let log = AuditLog(database: test.database)
            try await log.append(AuditDraft(actor: "alice@example.com", action: "request.created"))
            try await test.sequenceAudit()
            for sql in ["UPDATE audit_events SET actor_identity = 'x'", "DELETE FROM audit_events", "TRUNCATE audit_events"] {
                do {
                    try await test.database.query(PostgresQueryText(sql).query)
                    Issue.record("\(sql) succeeded")
                } catch {
                    #expect("\(String(reflecting: error))".contains("audit_events is append-only"), "\(sql)")
                }
            }
            #expect(try await count(test.database, "SELECT COUNT(*)::integer FROM audit_events") == 1)
        }
    }

    @Test func theApplicationRoleCannotUpdateOrDeleteEvents() async throws {
        try await TestPostgres.shared.execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jitsudo_app') THEN CREATE ROLE jitsudo_app LOGIN; END IF; END $$"
        )
        try await withTestDatabase { test in
            try await AuditLog(database: test.database).append(AuditDraft(actor: "alice@example.com", action: "request.created"))
            try await test.sequenceAudit()
            var appURL = test.url
            appURL.username = "jitsudo_app"
            try await withClient(appURL) { app in
                #expect(try await count(app, "SELECT COUNT(*)::integer FROM audit_events") == 1)
                try await AuditLog(database: app).append(AuditDraft(actor: "bob@example.com", action: "request.created"))
                // The application role sequences too (the leader runs as it): its grants are enough for that.
                #expect(try await AuditSequencer(database: app).sequenceAll(fence: nil) == 1)
                for sql in ["UPDATE audit_events SET actor_identity = 'x'", "DELETE FROM audit_events"] {
                    do {
                        try await app.query(PostgresQueryText(sql).query)
                        Issue.record("\(sql) succeeded as jitsudo_app")
                    } catch {
                        #expect("\(String(reflecting: error))".contains("permission denied"), "\(sql)")
                    }
                }
            }
            #expect(try await AuditLog(database: test.database).verify().summary == "Chain intact: 2 events verified")
        }
    }

    @Test func verifyNamesTheFirstTamperedEvent() async throws {
        try await withTestDatabase { test in
            let log = AuditLog(database: test.database)
            for index in 0..<10 { try await log.append(AuditDraft(actor: "u\(index)@example.com", action: "request.created")) }
            try await test.sequenceAudit()
            #expect(try await log.verify().summary == "Chain intact: 10 events verified")
            // A superuser who disables the guard and edits event 4 is still caught.
            try await test.database.query(PostgresQueryText("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete").query)
            try await test.database.query(PostgresQueryText("UPDATE audit_events SET details_json = '{\"x\":1}' WHERE id = 4").query)
            let result = try await log.verify()
            #expect(result.summary == "Chain broken at event 4: stored hash does not match its content")
            #expect(result.eventsVerified == 3)
            try await test.database.query(PostgresQueryText("DELETE FROM audit_events WHERE id >= 4").query)
            #expect(try await log.verify().summary == "Chain broken at event 3: chain head expects event 10 but the log ends at event 3")
        }
    }

    /// `verify` checks rows from their stored bytes, in batches; whatever it finds must be what the core's verifier
    /// finds over the decoded events. Events of every kind of field (no request, non-ASCII, long details), more than
    /// two batches, and each column of one event changed in turn, in the second batch.
    @Test func verifyFromStoredBytesAgreesWithTheCoreOnEveryColumn() async throws {
        try await withTestDatabase { test in
            let log = AuditLog(database: test.database)
            let longDetails = String(repeating: "ü", count: 3_000)
            try await test.database.transaction { connection in
                var drafts: [AuditDraft] = []
                for index in 0..<2_500 {
                    drafts.append(
                        AuditDraft(
                            actor: "user\(index % 7)@exämple.com", action: index % 2 == 0 ? "request.created" : "request.approved",
                            requestID: index % 3 == 0 ? nil : "req_\(index)", provider: index % 5 == 0 ? "" : "mock",
                            resourceScope: "scope \u{2713}", outcome: index % 4 == 0 ? .failure : .success,
                            details: index == 1_500 ? ["comment": .string(longDetails)] : ["n": .string("\(index)")]))
                }
                try await AuditLog.append(drafts, on: connection, logger: test.database.logger)
            }
            #expect(try await test.sequenceAudit() == 2_500)
            let progress = Mutex<[Int64]>([])
            let intact = try await log.verify(progressEvery: 1_000) { count in progress.withLock { $0.append(count) } }
            #expect(intact.summary == "Chain intact: 2500 events verified")
            #expect(progress.withLock { $0 } == [1_000, 2_000], "every multiple of progressEvery, exactly")
            var core = AuditChain.Verifier()
            let events = try await allEvents(log)
            for event in events { #expect(core.consume(event) == nil) }
            try await test.database.query(PostgresQueryText("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete").query)
            // Event 1501 has no request (NULL), provider "" and the long details.
            let original = try #require(events.first { $0.id == 1_501 })
            #expect(original.requestID == nil && original.provider == "")
            let changes = [
                ("actor_identity", "'mallory@example.com'"), ("action", "'request.denied'"), ("request_id", "'req_1'"), ("provider", "'aws'"),
                ("resource_scope", "'prod'"), ("outcome", "'success'"),
                ("details_json", "'{}'"), ("\"timestamp\"", "\"timestamp\" + interval '1 microsecond'"), ("prev_hash", "md5(hash) || md5(prev_hash)"),
                ("hash", "md5(prev_hash) || md5(hash)"),
            ]
            for (column, value) in changes {
                try await test.database.query(PostgresQueryText("UPDATE audit_events SET \(column) = \(value) WHERE id = 1501").query)
                let stored = try await allEvents(log)
                let tampered = try #require(stored.first { $0.id == 1_501 })
                var resumed = AuditChain.Verifier(after: .init(lastID: 1_500, lastHash: original.prevHash))
                let result = try await log.verify()
                let core = resumed.consume(tampered)
                let broken = try #require(core, "\(column) = \(value) breaks the chain for the core")
                #expect(result == broken, "\(column) = \(value)")
                #expect(result.brokenAtEventID == 1_501 && result.eventsVerified == 1_500, "\(column) = \(value)")
                try await test.database.query(
                    """
                    UPDATE audit_events SET actor_identity = \(original.actorIdentity), action = \(original.action),
                        request_id = \(original.requestID), provider = \(original.provider), resource_scope = \(original.resourceScope),
                        outcome = \(original.outcome.rawValue), details_json = \(original.detailsJSON), prev_hash = \(original.prevHash),
                        hash = \(original.hash),
                        "timestamp" = timestamptz 'epoch' + (\(original.timestamp.microseconds) * interval '1 microsecond')
                    WHERE id = 1501
                    """)
                #expect(try await log.verify().intact, "\(column) restored")
            }
        }
    }

    private func allEvents(_ log: AuditLog) async throws -> [AuditEvent] {
        var events: [AuditEvent] = []
        var pageToken = ""
        repeat {
            let page = try await log.events(matching: .init(), pageSize: 1_000, pageToken: pageToken)
            events += page.events
            pageToken = page.nextPageToken
        } while !pageToken.isEmpty
        return events
    }

    @Test func queriesFilterAndPageOldestFirst() async throws {
        try await withTestDatabase { test in
            let log = AuditLog(database: test.database)
            for index in 0..<30 {
                try await log.append(
                    AuditDraft(
                        actor: index % 3 == 0 ? "alice@example.com" : "bob@example.com",
                        action: index % 2 == 0 ? "request.created" : "grant.issued", provider: "mock"))
            }
            try await test.sequenceAudit()
            let filter = AuditLog.Filter(actorIdentity: "alice@example.com")
            var ids: [Int64] = []
            var token = ""
            repeat {
                let page = try await log.events(matching: filter, pageSize: 4, pageToken: token)
                ids += page.events.map(\.id)
                token = page.nextPageToken
            } while !token.isEmpty
            #expect(ids == stride(from: 1, through: 30, by: 3).map { Int64($0) })
            let issued = try await log.events(matching: AuditLog.Filter(action: "grant.issued"), pageSize: 100)
            #expect(issued.events.count == 15)
            let all = try await log.events(matching: .init(), pageSize: 100).events
            let since = AuditLog.Filter(since: all[10].timestamp, until: all[12].timestamp)
            #expect(try await log.events(matching: since, pageSize: 100).events.map(\.id) == [11, 12, 13])
        }
    }
}
