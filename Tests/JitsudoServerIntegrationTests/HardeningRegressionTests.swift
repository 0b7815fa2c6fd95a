import Foundation
import JitsudoServer
import NIOHTTP1
import Testing

/// Crashes and contract failures the API contract run (Tests/APIContractTests) found, kept as regression tests.
@Suite struct HardeningRegressionTests {
    /// schemathesis (seed 20261206) sent `now` in the year 0: `microseconds * 1_000` overflowed and trapped the server.
    @Test func aDryRunAtATimeOutsideTheNanosecondRangeIsRefusedAndTheServerStaysUp() async throws {
        try await withServer(policies: TestPolicies.standard) { server in
            for now in ["0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1677-09-21T00:12:43Z"] {
                let refused = try await server.call(
                    .POST, "/api/v1alpha1/policies:eval", as: alice, json: #"{"inputJson":"{}","now":"\#(now)"}"#)
                #expect(refused.status == 400, "\(now): \(refused.body)")
                #expect(refused.body.contains("between the years 1678 and 2261"))
            }
            let fine = try await server.call(
                .POST, "/api/v1alpha1/policies:eval", as: alice, json: #"{"inputJson":"{}","now":"2261-12-31T23:59:59Z"}"#)
            #expect(fine.status == 200, "\(fine.body)")
        }
    }

    @Test func undeclaredMethodsGet405WithAllowAndEmptyTimesAndMCPBodiesAreRefused() async throws {
        try await withServer { server in
            let trace = try await server.call(.TRACE, "/api/v1alpha1/requests", as: alice)
            #expect(trace.status == 405)
            #expect(trace.headers.first(name: "Allow") == "GET, POST")
            #expect(trace.headers.first(name: "X-Content-Type-Options") == "nosniff")
            let unknown = try await server.call(.TRACE, "/api/v1alpha1/nothing-here", as: alice)
            #expect(unknown.status == 404)
            let emptyUntil = try await server.call(.GET, "/api/v1alpha1/audit?until=", as: alice)
            #expect(emptyUntil.status == 400)
            let mcp = try await server.call(.POST, "/mcp", json: nil)
            #expect(mcp.status == 401, "no Authorization: 401 even when MCP is not configured")
        }
    }
}
