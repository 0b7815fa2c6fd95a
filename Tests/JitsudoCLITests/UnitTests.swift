import Foundation
import JitsudoAPI
import Testing
@testable import JitsudoCLI

/// Pure pieces: address forms, CSV quoting, durations, state names, JSON shapes. (`exec` exit codes and environment
/// are checked through the binary in the runbook tests.)
@Suite struct UnitTests {
    @Test(arguments: [
        ("localhost", "http://localhost:8080"),
        ("127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("jitsudo.internal", "https://jitsudo.internal:8080"),
        ("jitsudo.internal:443", "https://jitsudo.internal"),
        ("https://jitsudo.internal", "https://jitsudo.internal"),
        ("http://jitsudo.internal", "http://jitsudo.internal"),
        ("https://jitsudo.internal:8443/", "https://jitsudo.internal:8443"),
        ("[::1]:8080", "http://[::1]:8080"),
    ])
    func addressForms(input: String, expected: String) throws {
        #expect(try ServerAddress(input).description == expected)
    }

    @Test func globalFlagsBeforeTheCommandMoveAfterItsPath() {
        #expect(
            GlobalOptions.hoisted(["--server", "h:1", "-o", "json", "policy", "list", "-q"], root: Jitsudo.self)
                == ["policy", "list", "--server", "h:1", "-o", "json", "-q"])
        #expect(GlobalOptions.hoisted(["--token=t", "status", "req_1"], root: Jitsudo.self) == ["status", "--token=t", "req_1"])
        #expect(GlobalOptions.hoisted(["status", "--server", "h:1"], root: Jitsudo.self) == ["status", "--server", "h:1"], "already after")
        #expect(GlobalOptions.hoisted(["--help"], root: Jitsudo.self) == ["--help"])
        #expect(GlobalOptions.hoisted(["--server", "h:1"], root: Jitsudo.self) == ["--server", "h:1"], "no command: left for the parser to report")
        #expect(GlobalOptions.hoisted(["-q", "exec", "req_1", "--", "-q"], root: Jitsudo.self) == ["exec", "-q", "req_1", "--", "-q"])
    }

    @Test func replicaRowsAreUpWhileTheReplicaReportsAndDownWhenItFallsSilent() {
        let fresh = ServerStatus.replicaCheck(ReplicaReadiness(id: "r2", address: "10.0.0.2:8080", role: "leader", epoch: 7, heartbeatAgeMs: 340))
        #expect(fresh.component == "replica r2")
        #expect(fresh.status == "UP")
        #expect(fresh.detail == "leader, epoch 7, heartbeat 340 ms ago, 10.0.0.2:8080")
        let silent = ServerStatus.replicaCheck(ReplicaReadiness(id: "r3", address: "h:1", role: "standby", epoch: 0, heartbeatAgeMs: 42_311))
        #expect(silent.status == "DOWN")
        #expect(silent.detail.hasPrefix("not seen for 42 s"))
    }

    @Test func csvQuotingFollowsRFC4180() {
        #expect(Renderer.csvRecord(["a", "b,c", "say \"hi\"", "line\nbreak", ""]) == "a,\"b,c\",\"say \"\"hi\"\"\",\"line\nbreak\",\r\n")
    }

    @Test func statesAcceptShortLongAndAnyCase() {
        #expect(Status.normalizedState("active") == "REQUEST_STATE_ACTIVE")
        #expect(Status.normalizedState("REQUEST_STATE_PENDING") == "REQUEST_STATE_PENDING")
        #expect(Status.normalizedState("Revoked") == "REQUEST_STATE_REVOKED")
        #expect(Status.normalizedState("sleeping") == nil)
    }

    @Test func sinceTakesDurationsAndTimestamps() throws {
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(try Timestamps.parseSince("7d", flag: "--since", now: now) == now.addingTimeInterval(-7 * 86_400))
        #expect(try Timestamps.parseSince("90m", flag: "--since", now: now) == now.addingTimeInterval(-5_400))
        #expect(try Timestamps.parseSince("2026-03-20T16:00:00Z", flag: "--since", now: now) == Timestamps.parse("2026-03-20T16:00:00Z"))
        #expect(throws: CLIError.self) { try Timestamps.parseSince("soon", flag: "--since", now: now) }
    }

    @Test func emptyListsAreCompactJSON() throws {
        #expect(try Renderer.json([RequestRow]()) == "[]")
        #expect(try Renderer.yaml([RequestRow]()) == "[]")
    }

    @Test func jsonRowsAreSnakeCaseWithNullExpiry() throws {
        let row = VerificationRow(intact: true, eventsVerified: 3, firstEventId: 1, lastEventId: 3, brokenAtEventId: nil, problem: "")
        let text = try Renderer.json(row)
        #expect(text.contains("\"events_verified\" : 3") || text.contains("\"events_verified\": 3"), "\(text)")
        #expect(text.contains("\"broken_at_event_id\" : null") || text.contains("\"broken_at_event_id\": null"), "\(text)")
    }

    @Test func requestRowsWriteExpiresAtAsNullUntilIssued() throws {
        func wire(expiresAt: String?) throws -> WireRequest {
            let expiry = expiresAt.map { #""expiresAt":"\#($0)","# } ?? ""
            let json = #"""
                {"id":"req_01JQ3Z8H6D5Y4C2B1A0F9E8D7C","state":"REQUEST_STATE_PENDING","requesterIdentity":"a@example.com",
                 "provider":"mock","role":"admin","resourceScope":"dev","durationSeconds":"3600","reason":"r","breakGlass":false,
                 "metadata":{},"createdAt":"2026-11-29T08:00:00.000000Z","updatedAt":"2026-11-29T08:00:00.000000Z",
                 "approverIdentity":"","approverComment":"",\#(expiry)"approverTier":"human","aiReasoningJson":"",
                 "revokedBy":"","revokeReason":"","requiredApprovals":1,"approvals":[],"revocationPending":false,"revocationError":""}
                """#
            return try JSONDecoder().decode(WireRequest.self, from: Data(json.utf8))
        }
        let pending = RequestRow(try wire(expiresAt: nil))
        #expect(try Renderer.json(pending).contains(#""expires_at" : null"#))
        #expect(try Renderer.yaml(pending).contains("expires_at: null"))
        let active = RequestRow(try wire(expiresAt: "2026-11-29T09:00:00.000000Z"))
        #expect(try Renderer.json(active).contains(#""expires_at" : "2026-11-29T09:00:00.000000Z""#))
    }
}
