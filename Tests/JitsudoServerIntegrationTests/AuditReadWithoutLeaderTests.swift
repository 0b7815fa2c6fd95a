import Foundation
import JitsudoAPI
import JitsudoCore
import JitsudoServer
import JitsudoStore
import NIOHTTP1
import Testing

/// An audit read is read-your-writes: with no leader to sequence the caller's own events it refuses (503) after its
/// wait, and says why and what to check, rather than answer without them or blame the database. Verification answers
/// anyway and counts the events still waiting.
@Suite struct AuditReadWithoutLeaderTests {
    @Test func anAuditReadWhoseEventsNoLeaderSequencesIsRefusedAndSaysWhy() async throws {
        // The leader lock's connection goes nowhere: this replica never leads, so nothing sequences.
        try await withServer(configure: { $0.leader.databaseURL = "postgres://nobody@127.0.0.1:9/jitsudo?sslmode=disable" }) { server in
            let refused = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission())
            #expect(refused.status == 403, "no eligibility policy: refused, and the refusal is audited (staged)")
            let read = try await server.call(.GET, "/api/v1alpha1/audit?actor_identity=alice@example.com", as: bob)
            #expect(read.status == 503, "\(read.body)")
            #expect(read.body.contains("not yet in the chain") && read.body.contains("no leader is sequencing them"), "\(read.body)")
            #expect(try await count(server.database, "SELECT count(*)::integer FROM audit_events") == 0)
            // Verification still answers after its wait, and counts what no leader has linked.
            let verified = try await server.call(.POST, "/api/v1alpha1/audit:verify", as: bob, json: "{}")
            #expect(verified.status == 200, "\(verified.body)")
            let body = try server.decode(WireVerification.self, verified.body)
            #expect(body.intact && body.eventsVerified == "0" && (Int(body.unsequencedEvents ?? "") ?? 0) >= 1, "\(verified.body)")
        }
    }
}
