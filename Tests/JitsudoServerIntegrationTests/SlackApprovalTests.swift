import AsyncHTTPClient
import Foundation
import JitsudoAPI
import JitsudoTesting
import NIOCore
import NIOHTTP1
import Testing

@testable import JitsudoServer

/// Slack interactive approvals against a real jitsudod, PostgreSQL and a local Slack Web API that checks the bot
/// token: a signed button press decides exactly as the API would; every refusal changes nothing and is audited.
@Suite struct SlackApprovalTests {
    static let secret = "slack-signing-secret-for-tests-0123456789"
    static let botToken = "xoxb-test-bot-token"
    static let users = ["U0BOB": "bob@example.com", "U0CAROL": "carol@example.com", "U0ALICE": "alice@example.com", "U0MAL": "mallory@example.com"]

    /// A server with Slack interactivity pointed at a fresh fake Slack.
    func withSlack(_ body: @Sendable (TestServer, FakeSlack) async throws -> Void) async throws {
        try await FakeSlack.with(token: Self.botToken, users: Self.users) { slack in
            defer { try? FileManager.default.removeItem(atPath: Self.siemFile(for: slack)) }
            try await withServer(
                policies: TestPolicies.standard,
                configure: {
                    $0.notifications.slack.signingSecret = Self.secret
                    $0.notifications.slack.botToken = Self.botToken
                    $0.notifications.slack.apiURL = slack.apiURL
                    $0.http.publicURL = "https://jitsudo.example.com"
                    $0.notifications.siem.file = Self.siemFile(for: slack)
                }
            ) { server in
                // Each approver has called the API once, so their groups (from the token) are known.
                for caller in [bob, carol, mallory, alice] { _ = try await server.call(.GET, "/api/v1alpha1/requests?mine=true", as: caller) }
                try await body(server, slack)
            }
        }
    }

    /// A JSON-lines notification channel per fake, to see what every notification says.
    static func siemFile(for slack: FakeSlack) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("jitsudo-slack-siem-\(slack.port).jsonl").path
    }

    static func payload(user: String, action: String, request: String) -> String {
        #"{"type":"block_actions","user":{"id":"\#(user)"},"channel":{"id":"C0APPROVALS"},"message":{"ts":"1700000000.000100"},"#
            + #""actions":[{"action_id":"\#(action)","value":"\#(request)","type":"button"}]}"#
    }

    static func form(_ json: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return "payload=" + (json.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
    }

    /// Posts `body` to /slack/interactions signed with `secret` at `timestamp` (now unless given).
    @discardableResult
    func press(
        _ server: TestServer, body: String, secret: String = secret, timestamp: Int64 = Int64(Date().timeIntervalSince1970), signature: String? = nil
    ) async throws -> (status: Int, body: String, signature: String) {
        let stamp = String(timestamp)
        let signed = signature ?? SlackSignatureVerifier(signingSecret: secret).signature(body: Array(body.utf8), timestamp: stamp)
        var request = HTTPClientRequest(url: server.baseURL + "/slack/interactions")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "X-Slack-Request-Timestamp", value: stamp)
        request.headers.add(name: "X-Slack-Signature", value: signed)
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)), signed)
    }

    func create(_ server: TestServer, role: String = "admin") async throws -> String {
        let created = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission(role: role))
        #expect(created.status == 200, "\(created.body)")
        return try server.decode(RequestEnvelope.self, created.body).request.id
    }

    func state(_ server: TestServer, _ id: String) async throws -> WireRequest {
        try server.decode(RequestEnvelope.self, try await server.call(.GET, "/api/v1alpha1/requests/\(id)", as: admin).body).request
    }

    func audit(_ server: TestServer, action: String) async throws -> [WireAuditEvent] {
        try server.decode(AuditList.self, try await server.call(.GET, "/api/v1alpha1/audit?action=\(action)&pageSize=1000", as: admin).body).events
    }

    @Test func aSignedPressApprovesAsTheAPIWouldAuditedViaSlackAndUpdatesTheMessage() async throws {
        try await withSlack { server, slack in
            let id = try await create(server)
            let body = Self.form(Self.payload(user: "U0BOB", action: "jitsudo_approve", request: id))
            let stamp = Int64(Date().timeIntervalSince1970)
            let answer = try await press(server, body: body, timestamp: stamp)
            #expect(answer.status == 200, "\(answer.body)")
            let request = try await state(server, id)
            #expect(request.shortState == "ACTIVE")
            #expect(request.approverIdentity == "bob@example.com")
            let approved = try await audit(server, action: "request.approved").filter { $0.requestId == id }
            #expect(approved.count == 1)
            #expect(approved.first?.actorIdentity == "bob@example.com")
            #expect(approved.first?.detailsJson.contains(#""via":"slack""#) == true, "\(approved)")
            // The notification of the new request links to its console page.
            try await waitUntil("the request.created notification is written") {
                ((try? String(contentsOfFile: Self.siemFile(for: slack), encoding: .utf8)) ?? "").contains(
                    "https://jitsudo.example.com/ui/requests/\(id)")
            }
            let calls = try await slack.calls()
            #expect(!calls.isEmpty && calls.allSatisfy(\.authorized), "every Web API call carries the bot token")
            let update = try #require(calls.first { $0.method == "chat.update" })
            #expect(update.body["channel"]?.text == "C0APPROVALS")
            #expect(update.body["ts"]?.text == "1700000000.000100")
            #expect(update.body["text"]?.text.contains("ACTIVE") == true)
            #expect(update.body["blocks"]?.text.contains("https://jitsudo.example.com/ui/requests/\(id)") == true)
            #expect(calls.contains { $0.method == "users.info" && $0.body["user"]?.text == "U0BOB" })

            // The very same signed request again is a replay: refused (409), audited, nothing changes.
            let again = try await press(server, body: body, timestamp: stamp, signature: answer.signature)
            #expect(again.status == 409)
            #expect(try await state(server, id).approvals.count == request.approvals.count)
            #expect(try await audit(server, action: SlackApprovals.refusedAction).contains { $0.detailsJson.contains(#""reason":"replayed""#) })
        }
    }

    @Test func forgedStaleAndUnknownPressesChangeNothingAndAreAudited() async throws {
        try await withSlack { server, slack in
            let id = try await create(server)
            let approve = Self.form(Self.payload(user: "U0BOB", action: "jitsudo_approve", request: id))
            // Signed with another secret.
            #expect(try await press(server, body: approve, secret: "not-the-signing-secret").status == 401)
            // Signed correctly but six minutes old, and six minutes ahead.
            let now = Int64(Date().timeIntervalSince1970)
            #expect(try await press(server, body: approve, timestamp: now - 360).status == 401)
            #expect(try await press(server, body: approve, timestamp: now + 360).status == 401)
            // A Slack user neither mapped nor known to Slack.
            let stranger = try await press(server, body: Self.form(Self.payload(user: "U0NOBODY", action: "jitsudo_approve", request: id)))
            #expect(stranger.status == 200)
            // An approver the policy refuses (mallory is not in sre-leads), and the requester approving herself.
            _ = try await press(server, body: Self.form(Self.payload(user: "U0MAL", action: "jitsudo_approve", request: id)))
            _ = try await press(server, body: Self.form(Self.payload(user: "U0ALICE", action: "jitsudo_approve", request: id)))
            // mallory denying is refused by the policy too.
            _ = try await press(server, body: Self.form(Self.payload(user: "U0MAL", action: "jitsudo_deny", request: id)))

            let request = try await state(server, id)
            #expect(request.shortState == "PENDING")
            #expect(request.approvals.isEmpty)
            let refused = try await audit(server, action: SlackApprovals.refusedAction)
            let reasons = refused.map(\.detailsJson)
            #expect(reasons.filter { $0.contains(#""reason":"bad_signature""#) }.count == 1, "\(reasons)")
            #expect(reasons.filter { $0.contains(#""reason":"stale_timestamp""#) }.count == 2, "\(reasons)")
            #expect(refused.contains { $0.detailsJson.contains(#""reason":"unknown_slack_user""#) && $0.actorIdentity == "slack:U0NOBODY" })
            let policyRefusals = try await audit(server, action: "request.approval_refused").filter { $0.requestId == id }
            #expect(policyRefusals.count == 3, "\(policyRefusals)")
            #expect(policyRefusals.allSatisfy { $0.detailsJson.contains(#""via":"slack""#) })
            #expect(policyRefusals.contains { $0.actorIdentity == "alice@example.com" && $0.detailsJson.contains(#""self_approval":true"#) })
            #expect(policyRefusals.filter { $0.actorIdentity == "mallory@example.com" }.count == 2)
            // The people refused were told why, in Slack, and only them.
            let told = try await slack.calls().filter { $0.method == "chat.postEphemeral" }
            #expect(Set(told.compactMap { $0.body["user"]?.text }) == ["U0NOBODY", "U0MAL", "U0ALICE"])
            #expect(try await slack.calls().allSatisfy { $0.method != "chat.update" })
        }
    }

    @Test func slackApprovalsCountTowardsTheQuorumLikeAnyOther() async throws {
        try await withSlack { server, _ in
            let id = try await create(server, role: "prod-admin")
            #expect(try await press(server, body: Self.form(Self.payload(user: "U0BOB", action: "jitsudo_approve", request: id))).status == 200)
            var request = try await state(server, id)
            #expect(request.shortState == "PENDING")
            #expect(request.approvals.map(\.approverIdentity) == ["bob@example.com"])
            // bob again through the API: the same person cannot count twice.
            #expect(try await server.call(.POST, "/api/v1alpha1/requests/\(id)/approve", as: bob, json: "{}").status != 200)
            #expect(try await server.call(.POST, "/api/v1alpha1/requests/\(id)/approve", as: carol, json: "{}").status == 200)
            request = try await state(server, id)
            #expect(request.shortState == "ACTIVE")
        }
    }
}
