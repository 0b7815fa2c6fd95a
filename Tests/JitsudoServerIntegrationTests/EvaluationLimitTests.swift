import Foundation
import JitsudoAPI
import JitsudoServer
import NIOHTTP1
import Testing

/// `limits.max_concurrent_evaluations` on a real server: a call that would evaluate Rego beyond the bound is refused
/// at once with 503 and `Retry-After`, changes nothing, and reads go on.
@Suite struct EvaluationLimitTests {
    @Test func anEvaluationBeyondTheBoundIs503WithRetryAfterAndChangesNothing() async throws {
        try await withServer(policies: TestPolicies.standard, configure: { $0.limits.maxConcurrentEvaluations = 1 }) { server in
            let body = #"{"provider":"mock","role":"admin","durationSeconds":600,"reason":"INC-1"}"#
            // The one slot taken, as by an evaluation in flight on this replica.
            #expect(server.daemon.evaluations.tryEnter())
            let refused = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: body)
            #expect(refused.status == 503, "\(refused.body)")
            #expect(refused.headers.first(name: "Retry-After") == "1")
            #expect(try server.decode(APIError.ErrorBody.self, refused.body).error.code == "unavailable")
            #expect(try await count(server.database, "SELECT COUNT(*)::integer FROM requests") == 0)
            // Reading evaluates nothing: served while the bound is reached.
            #expect(try await server.call(.GET, "/api/v1alpha1/requests", as: alice).status == 200)

            server.daemon.evaluations.leave()
            let accepted = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: body)
            #expect(accepted.status == 200, "\(accepted.body)")
            #expect(server.daemon.evaluations.current == 0, "the slot is given back after the call")
        }
    }
}
