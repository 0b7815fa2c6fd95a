import JitsudoCore
import JitsudoStore
import JitsudoTesting
import PostgresNIO
import Testing

struct CompileFailure: Error {}

@Suite struct PolicyRepositoryTests {
    let acceptAll: PolicyRepository.Validator = { _, _ in }

    func newID() -> PolicyID {
        var generator = SystemRandomNumberGenerator()
        return PolicyID.generate(milliseconds: 1_774_000_000_000, using: &generator)
    }

    @Test func applyCreatesThenReplacesByNameKeepingTheIdAndAuditsBoth() async throws {
        try await withTestDatabase { test in
            let policies = PolicyRepository(database: test.database)
            let first = try await policies.apply(
                name: "team", type: .eligibility, rego: "package jitsudo.eligibility\n", description: "v1",
                enabled: true, by: "admin@example.com", newID: newID(), validate: acceptAll)
            #expect(first.created)
            let second = try await policies.apply(
                name: "team", type: .eligibility, rego: "package jitsudo.eligibility\nallow := true\n",
                description: "v2", enabled: false, by: "root@example.com", newID: newID(), validate: acceptAll)
            #expect(!second.created)
            #expect(second.policy.id == first.policy.id)
            #expect(second.policy.updatedBy == "root@example.com")
            try await test.sequenceAudit()
            let events = try await AuditLog(database: test.database).events(matching: .init(), pageSize: 10).events
            #expect(events.map(\.action) == ["policy.created", "policy.updated"])
            #expect(events[1].detailsJSON.contains("\"rego_sha256\":\"\(Hashing.sha256Hex(second.policy.rego))\""))
            #expect(try await policies.get("team").description == "v2")
            #expect(try await policies.get(first.policy.id.rawValue).name == "team")
        }
    }

    @Test func aSetThatDoesNotValidateIsRefusedAndNothingChanges() async throws {
        try await withTestDatabase { test in
            let policies = PolicyRepository(database: test.database)
            _ = try await policies.apply(
                name: "good", type: .approval, rego: "package jitsudo.approval\n", description: "", enabled: true,
                by: "admin@example.com", newID: newID(), validate: acceptAll)
            let refuseTwo: PolicyRepository.Validator = { _, set in if set.count > 1 { throw CompileFailure() } }
            await #expect(throws: CompileFailure.self) {
                try await policies.apply(
                    name: "bad", type: .approval, rego: "x", description: "", enabled: true, by: "admin@example.com",
                    newID: newID(), validate: refuseTwo)
            }
            #expect(try await policies.list().map(\.name) == ["good"])
            // Disabled modules are not part of the checked set, so storing one disabled is fine.
            _ = try await policies.apply(
                name: "bad", type: .approval, rego: "x", description: "", enabled: false, by: "admin@example.com",
                newID: newID(), validate: refuseTwo)
            await #expect(throws: CompileFailure.self) {
                try await policies.update("bad", enabled: true, description: nil, by: "admin@example.com", validate: refuseTwo)
            }
            #expect(try await policies.get("bad").enabled == false)
            try await test.sequenceAudit()
            #expect(try await count(test.database, "SELECT COUNT(*)::integer FROM audit_events") == 2)
        }
    }

    @Test func updateAndDeleteAreAuditedAndUnknownPoliciesAreNotFound() async throws {
        try await withTestDatabase { test in
            let policies = PolicyRepository(database: test.database)
            let applied = try await policies.apply(
                name: "p1", type: .eligibility, rego: "package jitsudo.eligibility\n", description: "",
                enabled: true, by: "admin@example.com", newID: newID(), validate: acceptAll)
            let updated = try await policies.update("p1", enabled: false, description: "off", by: "admin@example.com", validate: acceptAll)
            #expect(!updated.enabled && updated.description == "off")
            #expect(try await policies.enabled(.eligibility).isEmpty)
            try await policies.delete(applied.policy.id.rawValue, by: "admin@example.com", validate: acceptAll)
            await #expect(throws: StoreError(.notFound, "")) { try await policies.get("p1") }
            await #expect(throws: StoreError(.notFound, "")) { try await policies.delete("p1", by: "a@example.com", validate: acceptAll) }
            try await test.sequenceAudit()
            let actions = try await AuditLog(database: test.database).events(matching: .init(), pageSize: 10).events.map(\.action)
            #expect(actions == ["policy.created", "policy.updated", "policy.deleted"])
            await #expect(throws: CoreError.self) {
                try await policies.apply(
                    name: "bad name", type: .eligibility, rego: "", description: "", enabled: true, by: "a@example.com",
                    newID: newID(), validate: acceptAll)
            }
        }
    }

    @Test func everyPolicyWriteIncludingOperatorSQLNotifiesReplicas() async throws {
        try await withTestDatabase { test in
            let connection = try await PostgresConnection.connect(
                configuration: .init(
                    host: test.url.host, port: test.url.port, username: test.url.username, password: nil,
                    database: test.url.database, tls: .disable),
                id: 1, logger: test.database.logger
            )
            let policies = PolicyRepository(database: test.database)
            let received = try await connection.listen(on: "jitsudo_policies") { notifications in
                _ = try await policies.apply(
                    name: "n1", type: .eligibility, rego: "package jitsudo.eligibility\n", description: "",
                    enabled: true, by: "admin@example.com", newID: newID(), validate: acceptAll)
                try await test.database.query(PostgresQueryText("UPDATE policies SET enabled = false WHERE type = 'ELIGIBILITY'").query)
                var payloads: [String] = []
                for try await notification in notifications {
                    payloads.append(notification.payload)
                    if payloads.count == 3 { break }
                }
                return payloads
            }
            // The upsert (INSERT … ON CONFLICT DO UPDATE) fires both statement triggers; the operator UPDATE one more.
            #expect(received.sorted() == ["INSERT", "UPDATE", "UPDATE"])
            try await connection.close()
        }
    }
}

@Suite struct PrincipalRepositoryTests {
    @Test func settingATrustTierCreatesThePrincipalAndAuditsOldAndNewTier() async throws {
        try await withTestDatabase { test in
            let principals = PrincipalRepository(database: test.database)
            await #expect(throws: StoreError(.notFound, "")) { try await principals.get("carol@example.com") }
            #expect(try await principals.trustTier(of: "carol@example.com") == 0)
            let set = try await principals.setTrustTier("carol@example.com", tier: 3, notes: "on-call lead", by: "admin@example.com")
            #expect(set.trustTier == 3 && set.enrolledBy == "admin@example.com" && set.notes == "on-call lead")
            _ = try await principals.setTrustTier("carol@example.com", tier: 4, notes: "", by: "admin@example.com")
            try await test.sequenceAudit()
            let events = try await AuditLog(database: test.database).events(matching: .init(action: "principal.trust_tier_set"), pageSize: 10).events
            #expect(
                events.map(\.detailsJSON) == [
                    #"{"identity":"carol@example.com","new_tier":3,"notes":"on-call lead","old_tier":0}"#,
                    #"{"identity":"carol@example.com","new_tier":4,"notes":"","old_tier":3}"#,
                ])
            await #expect(throws: StoreError(.invalidArgument, "")) {
                try await principals.setTrustTier("carol@example.com", tier: 5, notes: "", by: "admin@example.com")
            }
            try await principals.touch("dave@example.com")
            #expect(try await principals.get("dave@example.com").trustTier == 0)
        }
    }
}
