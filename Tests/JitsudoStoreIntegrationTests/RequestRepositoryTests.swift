import JitsudoCore
import JitsudoStore
import JitsudoTesting
import PostgresNIO
import Testing

@Suite struct RequestRepositoryTests {
    @Test func fiftyConcurrentApprovalsOfOnePendingRequestLetExactlyOneThrough() async throws {
        try await withTestDatabase(maximumConnections: 25) { test in
            let repository = RequestRepository(database: test.database)
            let (request, created) = newRequest()
            _ = try await repository.create(request, audit: [created])
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        (try? await repository.transition(request.id, approve(by: "approver\(index)@example.com"))) != nil
                    }
                }
                var results: [Bool] = []
                for await outcome in group { results.append(outcome) }
                return results
            }
            #expect(outcomes.filter { $0 }.count == 1)
            let stored = try await repository.get(request.id)
            #expect(stored.state == .approved)
            #expect(try await repository.approvals(of: request.id).count == 1)
            try await test.sequenceAudit()
            #expect(try await count(test.database, "SELECT COUNT(*)::integer FROM audit_events") == 2)
            try await test.sequenceAudit()
            #expect(try await AuditLog(database: test.database).verify().intact)
        }
    }

    @Test func eightWritersTimesFiveHundredAuditedTransitionsKeepOneChain() async throws {
        try await withTestDatabase(maximumConnections: 16) { test in
            let repository = RequestRepository(database: test.database)
            let failures = try await withThrowingTaskGroup(of: Int.self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        var failed = 0
                        // 250 creations + 250 approvals = 500 audited transitions per writer.
                        for _ in 0..<250 {
                            do {
                                let (request, created) = newRequest(requester: "writer\(writer)@example.com")
                                _ = try await repository.create(request, audit: [created])
                                _ = try await repository.transition(request.id, approve(by: "boss\(writer)@example.com"))
                            } catch {
                                failed += 1
                            }
                        }
                        return failed
                    }
                }
                var total = 0
                for try await failed in group { total += failed }
                return total
            }
            #expect(failures == 0)
            try await test.sequenceAudit()
            #expect(try await count(test.database, "SELECT COUNT(*)::integer FROM audit_events") == 4_000)
            try await test.sequenceAudit()
            let result = try await AuditLog(database: test.database).verify()
            #expect(result.intact, "\(result.summary)")
            #expect(result.summary == "Chain intact: 4000 events verified")
        }
    }

    @Test func aRefusedTransitionChangesNothing() async throws {
        try await withTestDatabase { test in
            let repository = RequestRepository(database: test.database)
            let (request, created) = newRequest()
            _ = try await repository.create(request, audit: [created])
            await #expect(throws: CoreError(.illegalTransition, "")) {
                try await repository.transition(request.id) { locked, _ in
                    var machine = RequestStateMachine(state: locked.state)
                    _ = try machine.apply(.grantIssued)
                    return RequestRepository.Change(request: locked, audit: [])
                }
            }
            #expect(try await repository.get(request.id).state == .pending)
            try await test.sequenceAudit()
            #expect(try await count(test.database, "SELECT COUNT(*)::integer FROM audit_events") == 1)
        }
    }

    @Test func whenTheAuditWriteFailsTheChangeIsRolledBack() async throws {
        try await withTestDatabase { test in
            let repository = RequestRepository(database: test.database)
            let (request, created) = newRequest()
            _ = try await repository.create(request, audit: [created])
            // Sabotage the staging table: every further event violates a constraint.
            try await test.database.query(PostgresQueryText("ALTER TABLE audit_pending ADD CONSTRAINT sabotage CHECK (seq < 2) NOT VALID").query)
            await #expect(throws: (any Error).self) {
                try await repository.transition(request.id, approve(by: "bob@example.com"))
            }
            #expect(try await repository.get(request.id).state == .pending, "no event, no change")
            #expect(try await repository.approvals(of: request.id).isEmpty)
            let (second, secondCreated) = newRequest()
            await #expect(throws: (any Error).self) { try await repository.create(second, audit: [secondCreated]) }
            await #expect(throws: StoreError(.notFound, "")) { try await repository.get(second.id) }
        }
    }

    /// Metadata comes back as written, none as none, and a stored value that is not an object of strings (the table's
    /// rules dropped by someone with the schema's rights) is an integrity error, never a request read as having none.
    @Test func metadataIsReadBackAndMalformedMetadataIsAnIntegrityError() async throws {
        try await withTestDatabase { test in
            let repository = RequestRepository(database: test.database)
            var (tagged, taggedCreated) = newRequest()
            tagged.metadata = ["ticket": "INC-7 \"db\"", "team": "sre/ü", "empty": ""]
            _ = try await repository.create(tagged, audit: [taggedCreated])
            let (plain, plainCreated) = newRequest()
            _ = try await repository.create(plain, audit: [plainCreated])
            #expect(try await repository.get(tagged.id).metadata == tagged.metadata)
            #expect(try await repository.get(plain.id).metadata == [:])

            try await test.database.query(PostgresQueryText("ALTER TABLE requests DROP CONSTRAINT requests_rules").query)
            try await test.database.query(
                PostgresQueryText("UPDATE requests SET metadata = '{\"ticket\": 7}' WHERE id = '\(tagged.id.rawValue)'").query)
            await #expect(throws: StoreError(.integrity, "")) { try await repository.get(tagged.id) }
            #expect(try await repository.get(plain.id).metadata == [:], "only the altered row is refused")
        }
    }

    @Test func unknownRequestsAreNotFound() async throws {
        try await withTestDatabase { test in
            let repository = RequestRepository(database: test.database)
            let (request, _) = newRequest()
            await #expect(throws: StoreError(.notFound, "")) { try await repository.get(request.id) }
            await #expect(throws: StoreError(.notFound, "")) { try await repository.transition(request.id, approve(by: "x@example.com")) }
        }
    }

    @Test func listingFiltersAndPagesNewestFirstWithoutGapsOrRepeats() async throws {
        try await withTestDatabase { test in
            let repository = RequestRepository(database: test.database)
            var aliceIDs: [RequestID] = []
            for index in 0..<25 {
                let (request, created) = newRequest(
                    requester: index % 5 == 0 ? "bob@example.com" : "alice@example.com",
                    provider: index % 2 == 0 ? "mock" : "aws")
                _ = try await repository.create(request, audit: [created])
                if index % 5 != 0 { aliceIDs.append(request.id) }
            }
            let filter = RequestRepository.Filter(requesterIdentity: "alice@example.com")
            var seen: [ElevationRequest] = []
            var token = ""
            var pages = 0
            repeat {
                let page = try await repository.list(filter, pageSize: 7, pageToken: token)
                seen += page.requests
                token = page.nextPageToken
                pages += 1
            } while !token.isEmpty
            #expect(pages == 3)
            #expect(Set(seen.map(\.id)) == Set(aliceIDs))
            #expect(seen.count == 20)
            let order = seen.map { ($0.createdAt, $0.id) }
            #expect(zip(order, order.dropFirst()).allSatisfy { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 > $1.1) })
            let mockAlice = try await repository.list(RequestRepository.Filter(requesterIdentity: "alice@example.com", provider: "mock"))
            #expect(mockAlice.requests.allSatisfy { $0.provider == "mock" && $0.requesterIdentity == "alice@example.com" })
            #expect(try await repository.list(RequestRepository.Filter(state: .active)).requests.isEmpty)
            let first = try await repository.list(filter, pageSize: 7)
            await #expect(throws: StoreError(.invalidArgument, "")) {
                try await repository.list(RequestRepository.Filter(requesterIdentity: "bob@example.com"), pageSize: 7, pageToken: first.nextPageToken)
            }
            await #expect(throws: StoreError(.invalidArgument, "")) { try await repository.list(filter, pageToken: "garbage!!") }
        }
    }

    @Test func activeGrantsKeepCredentialsAndLeavingActiveClearsThem() async throws {
        try await withTestDatabase { test in
            let repository = RequestRepository(database: test.database)
            let (request, created) = newRequest()
            _ = try await repository.create(request, audit: [created])
            _ = try await repository.transition(request.id) { locked, _ in
                var updated = locked
                updated.state = .approved
                return RequestRepository.Change(
                    request: updated, audit: [AuditDraft(actor: "policy", action: AuditAction.autoApproved, requestID: locked.id.rawValue)])
            }
            let active = try await repository.transition(request.id) { locked, _ in
                var updated = locked
                updated.state = .active
                updated.issuedAt = AuditTimestamp(microsecondsSinceEpoch: 1_774_000_000_000_000)
                updated.expiresAt = AuditTimestamp(microsecondsSinceEpoch: 1_774_003_600_000_000)
                return RequestRepository.Change(
                    request: updated, audit: [AuditDraft(actor: "policy", action: AuditAction.grantIssued, requestID: locked.id.rawValue)],
                    credentialsJSON: #"{"sealed":"AAAA","key_id":"k1"}"#)
            }
            #expect(active.expiresAt?.canonicalText == "2026-03-20T10:46:40.000000Z")
            #expect(try await repository.credentialsJSON(of: request.id)?.contains("sealed") == true)
            _ = try await repository.transition(request.id) { locked, _ in
                var machine = RequestStateMachine(state: locked.state)
                let transition = try machine.apply(.revoked)
                var updated = locked
                updated.state = transition.to
                updated.revokedBy = "admin@example.com"
                return RequestRepository.Change(
                    request: updated,
                    audit: [
                        AuditDraft(
                            actor: "admin@example.com", action: transition.auditAction,
                            requestID: locked.id.rawValue)
                    ], revocation: .revoked)
            }
            #expect(try await repository.credentialsJSON(of: request.id) == nil)
            #expect(try await count(test.database, "SELECT COUNT(*)::integer FROM requests WHERE credentials_json IS NOT NULL") == 0)
            #expect(try await count(test.database, "SELECT COUNT(*)::integer FROM revocations WHERE cause = 'revoked' AND done_at IS NULL") == 1)
        }
    }
}
