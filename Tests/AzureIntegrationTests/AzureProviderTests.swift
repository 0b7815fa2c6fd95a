import Foundation
import JitsudoAzureProvider
import JitsudoCore
import JitsudoProviders
import Logging
import Testing

/// The provider against the fake without jitsudod: idempotent retries, extension, and the latency figures of
/// BENCHMARKS.md (printed, not asserted).
@Suite struct AzureProviderTests {
    static func provider(_ fake: AzureFake, mode: String) throws -> AzureProvider {
        try AzureProvider.make(settings: ProviderSettings(provider: "azure", values: fake.settings(mode: mode)), logger: Logger(label: "azure-test"))
    }

    static func grantRequest(_ id: String, seconds: Int64 = 600) -> GrantRequest {
        GrantRequest(
            requestID: id, requesterIdentity: "alice@example.com", role: "Reader", resourceScope: AzureFake.subscription,
            durationSeconds: seconds, metadata: [:])
    }

    @Test(arguments: ["pim", "role_assignment"])
    func aRetriedGrantCreatesNothingNewAndARetriedRevokeIsSuccess(mode: String) async throws {
        try await AzureFake.with { fake in
            try await fake.addUser("alice@example.com")
            let provider = try Self.provider(fake, mode: mode)
            let request = Self.grantRequest("req_01JQ3Z8H6D5Y4C2B1A0F9E8D7C")
            let first = try await provider.grant(request)
            let second = try await provider.grant(request)
            #expect(first.revokeToken == second.revokeToken && first.credentials == second.credentials)
            let state = try await fake.state()
            #expect(state.active.count == 1)
            #expect(
                state.log.filter { $0["method"] as? String == "PUT" && $0["status"] as? Int == 201 }.count == (mode == "pim" ? 1 : 2),
                "pim: the second AdminAssign is refused as existing; role_assignment: the same name is answered again")
            try await provider.revoke(requestID: request.requestID, revokeToken: first.revokeToken)
            try await provider.revoke(requestID: request.requestID, revokeToken: first.revokeToken)
            #expect(try await fake.state().active.isEmpty)
        }
    }

    @Test func pimExtendMovesTheScheduleEndAndIsIdempotent() async throws {
        try await AzureFake.with { fake in
            try await fake.addUser("alice@example.com")
            let provider = try Self.provider(fake, mode: "pim")
            var request = Self.grantRequest("req_01JQ3Z8H6D5Y4C2B1A0F9E8D7D", seconds: 600)
            let issued = try await provider.grant(request)
            let end = Date().addingTimeInterval(7200)
            request.notAfter = AuditTimestamp(microsecondsSinceEpoch: Int64(end.timeIntervalSince1970) * 1_000_000)
            request.durationSeconds = 7200
            #expect(try await provider.extend(request, revokeToken: issued.revokeToken) == nil)
            #expect(try await provider.extend(request, revokeToken: issued.revokeToken) == nil)
            let state = try await fake.state()
            let scheduleEnd = try #require(state.active.first?["end"] as? String)
            #expect(scheduleEnd.hasPrefix(AzureGrantPlan.timestamp(end).replacingOccurrences(of: "Z", with: "")), "\(scheduleEnd)")
            #expect(state.scheduleRequests.compactMap { $0["requestType"] as? String } == ["AdminAssign", "AdminExtend"])
        }
    }

    @Test func serverErrorsAreRetriedThenUnavailable() async throws {
        try await AzureFake.with { fake in
            try await fake.addUser("alice@example.com")
            let provider = try Self.provider(fake, mode: "role_assignment")
            try await fake.fault("PUT", pathContains: "roleAssignments/", status: 503, code: "ServiceUnavailable", times: 1)
            _ = try await provider.grant(Self.grantRequest("req_01JQ3Z8H6D5Y4C2B1A0F9E8D7E"))
            try await fake.fault("PUT", pathContains: "roleAssignments/", status: 500, code: "InternalServerError", times: 10)
            await #expect(
                throws: ProviderError(.unavailable, "azure grant failed: HTTP 500 InternalServerError: injected InternalServerError for the test")
            ) {
                _ = try await provider.grant(Self.grantRequest("req_01JQ3Z8H6D5Y4C2B1A0F9E8D7F"))
            }
            let puts = try await fake.state().log.filter { $0["method"] as? String == "PUT" }.compactMap { $0["status"] as? Int }
            #expect(puts == [503, 201, 500, 500, 500, 500], "\(puts)")
        }
    }

    /// 100 grants and 100 revocations in a row, one at a time; p50/p99 go to BENCHMARKS.md.
    @Test func grantAndRevokeLatencyOverAHundredGrants() async throws {
        try await AzureFake.with { fake in
            try await fake.addUser("alice@example.com")
            for mode in ["pim", "role_assignment"] {
                let provider = try Self.provider(fake, mode: mode)
                var grants: [Duration] = [], revokes: [Duration] = []
                let clock = ContinuousClock()
                for index in 0..<100 {
                    let request = Self.grantRequest("req_bench_\(mode)_\(index)")
                    var issued: IssuedGrant?
                    grants.append(try await clock.measure { issued = try await provider.grant(request) })
                    revokes.append(
                        try await clock.measure { try await provider.revoke(requestID: request.requestID, revokeToken: issued?.revokeToken) })
                }
                #expect(try await fake.state().active.isEmpty)
                func percentile(_ values: [Duration], _ p: Double) -> String {
                    let sorted = values.sorted()
                    let value = sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
                    return String(format: "%.1f ms", Double(value.components.attoseconds) / 1e15 + Double(value.components.seconds) * 1000)
                }
                print(
                    "azure \(mode) latency over 100: grant p50 \(percentile(grants, 0.5)) p99 \(percentile(grants, 0.99)); "
                        + "revoke p50 \(percentile(revokes, 0.5)) p99 \(percentile(revokes, 0.99))")
            }
            // ARM and Graph share the fake's URL (one scope): one token per provider, cached across its 200 calls.
            #expect(try await fake.state().tokenRequests == 2)
        }
    }
}
