import JitsudoServerTesting
import Metrics
import NIOHTTP1
import Prometheus
import Testing

let testRegistry = TestMetrics.registry

func renderedMetrics() -> String { TestMetrics.rendered() }

@Suite struct MetricsTests {
    @Test func requestsAuditAppendsAndPolicyEvaluationsAreMeasuredWithLowCardinalityLabels() async throws {
        _ = testRegistry
        try await withServer(policies: TestPolicies.standard) { server in
            _ = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission())
            _ = try await server.call(.GET, "/api/v1alpha1/requests/req_01JQ3Z8H6D5Y4C2B1A0F9E8D7C", as: alice)
            let text = renderedMetrics()
            #expect(text.contains(#"jitsudo_http_requests_total{route="/api/v1alpha1/requests",status="200"}"#), "\(text.prefix(2000))")
            #expect(text.contains(#"jitsudo_http_requests_total{route="/api/v1alpha1/requests/{id}",status="404"}"#))
            #expect(!text.contains("req_01JQ3Z8H6D5Y4C2B1A0F9E8D7C"), "ids never become labels")
            #expect(text.contains("jitsudo_http_request_duration_seconds_bucket"))
            #expect(text.contains(#"jitsudo_audit_appends_total{outcome="success"}"#))
            #expect(text.contains(#"jitsudo_policy_eval_duration_seconds_bucket{type="eligibility""#))
        }
    }
}
