import JitsudoCore
import JitsudoProviders
import JitsudoStore
import JitsudoTesting
import PostgresNIO
import Testing

/// The mock provider's ledger and injected faults (one statement reads the fault and writes the ledger).
@Suite struct MockProviderFaultTests {
    private static func grant(_ id: String) -> GrantRequest {
        GrantRequest(requestID: id, requesterIdentity: "dev@example.com", role: "viewer", resourceScope: "bench", durationSeconds: 60, metadata: [:])
    }

    private static func ledgerCalls(_ database: Database, _ operation: String) async throws -> [String: Int] {
        var calls: [String: Int] = [:]
        let rows = try await database.query("SELECT request_id, calls FROM mock_provider_ledger WHERE operation = \(operation)")
        for try await (id, count) in rows.decode((String, Int).self) { calls[id] = count }
        return calls
    }

    @Test func aFaultFailsTheSameRequestsEveryTimeAndRecordsNothingForThem() async throws {
        try await withTestDatabase { test in
            let provider = MockProvider(database: test.database)
            let ids = (0..<200).map { "req_fault_\($0)" }
            try await MockProvider.injectFault(test.database, operation: "grant", percent: 30, until: nil)
            var failed: Set<String> = []
            for id in ids {
                do { _ = try await provider.grant(Self.grant(id)) } catch { failed.insert(id) }
            }
            // 30 % of the buckets, by hash: about 60 of 200 (the same ids on every run).
            #expect((30...90).contains(failed.count), "\(failed.count) of 200 failed")
            for id in ids.prefix(50) {
                let again: Bool
                do {
                    _ = try await provider.grant(Self.grant(id))
                    again = false
                } catch { again = true }
                #expect(again == failed.contains(id), "\(id) fails on every attempt or on none")
            }
            let recorded = try await Self.ledgerCalls(test.database, "grant")
            #expect(Set(recorded.keys) == Set(ids).subtracting(failed), "a failed grant leaves no ledger row")
            #expect(ids.prefix(50).filter { !failed.contains($0) }.allSatisfy { recorded[$0] == 2 }, "a repeated grant counts its calls")

            try await MockProvider.injectFault(test.database, operation: "revoke", percent: 100, until: nil)
            await #expect(throws: ProviderError.self) { try await provider.revoke(requestID: ids[0], revokeToken: nil) }
            #expect(try await Self.ledgerCalls(test.database, "revoke").isEmpty)
            try await MockProvider.clearFaults(test.database)
            try await provider.revoke(requestID: ids[0], revokeToken: nil)
            _ = try await provider.grant(Self.grant(try #require(failed.first)))
            #expect(try await Self.ledgerCalls(test.database, "revoke") == [ids[0]: 1])
        }
    }

    @Test func anExpiredFaultNoLongerFails() async throws {
        try await withTestDatabase { test in
            try await MockProvider.injectFault(
                test.database, operation: "grant", percent: 100, until: AuditTimestamp(microsecondsSinceEpoch: 1_000_000))
            _ = try await MockProvider(database: test.database).grant(Self.grant("req_after_fault"))
            #expect(try await Self.ledgerCalls(test.database, "grant") == ["req_after_fault": 1])
        }
    }
}
