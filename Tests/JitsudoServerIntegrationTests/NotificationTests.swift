import Foundation
import JitsudoAPI
import JitsudoServer
import JitsudoStore
import NIOHTTP1
import Testing

@Suite struct NotificationTests {
    @Test func breakGlassAlertsEveryChannelAtHighPriorityThroughTheOutbox() async throws {
        let siem = FileManager.default.temporaryDirectory.appendingPathComponent("jitsudo-siem-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: siem) }
        try await withServer(policies: TestPolicies.standard, configure: { $0.notifications.siem.file = siem }) { server in
            _ = try await server.call(.PUT, "/api/v1alpha1/principals/alice@example.com/trust-tier", as: admin, json: #"{"trust_tier":4}"#)
            let created = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission(extra: #","break_glass":true"#))
            let id = try server.decode(RequestEnvelope.self, created.body).request.id
            var lines: [String] = []
            for _ in 0..<100 {
                lines = ((try? String(contentsOfFile: siem, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
                if lines.contains(where: { $0.contains("break_glass.invoked") }) && lines.contains(where: { $0.contains("grant.issued") }) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let alert = try #require(lines.first { $0.contains("break_glass.invoked") }, "no break-glass alert in \(lines)")
            #expect(alert.contains(id))
            #expect(alert.contains("\"priority\":\"high\""))
            #expect(!lines.joined().contains("MOCK_SESSION_TOKEN"), "credentials never reach notifications")
            // A refused request writes nothing to the outbox (the notice is part of the transaction that did not happen).
            let before = try await count(server.database, "SELECT COUNT(*)::integer FROM notifications")
            _ = try await server.call(.POST, "/api/v1alpha1/requests", as: mallory, json: submission())
            #expect(try await count(server.database, "SELECT COUNT(*)::integer FROM notifications") == before)
        }
    }
}
