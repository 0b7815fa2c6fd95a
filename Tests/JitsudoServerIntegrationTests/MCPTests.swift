import Foundation
import JitsudoAPI
import JitsudoCore
import JitsudoStore
import JitsudoServer
import NIOHTTP1
import Testing

/// The automated approver's endpoint (`POST /mcp`, api.md §9) over real HTTP against real PostgreSQL.
@Suite struct MCPTests {
    static let token = "mcp-test-token-0123456789abcdef0123456789"

    static let approval = """
        package jitsudo.approval

        allow if "sre-leads" in input.user.groups

        approver_tier := "ai_review" if input.request.role == "reader"
        """

    static let policies: [(String, PolicyType, String)] = [
        ("eligibility", .eligibility, TestPolicies.eligibility), ("approval", .approval, approval),
    ]

    /// Sends one JSON-RPC message with the configured token (or `authorization`); returns status and body.
    static func rpc(_ server: TestServer, _ json: String, authorization: String? = "Bearer \(token)") async throws -> (status: Int, body: String) {
        let response = try await server.call(.POST, "/mcp", json: json, headers: authorization.map { [("Authorization", $0)] } ?? [])
        return (response.status, response.body)
    }

    /// The `result` of a successful tools/call, and the decoded JSON text of its first content item.
    static func toolCall(_ server: TestServer, _ name: String, _ arguments: String) async throws -> (isError: Bool, text: String) {
        let reply = try await rpc(server, #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"\#(name)","arguments":\#(arguments)}}"#)
        #expect(reply.status == 200, "\(reply.body)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
        let result = try #require(object["result"] as? [String: Any], "\(reply.body)")
        let content = try #require((result["content"] as? [[String: Any]])?.first)
        return ((result["isError"] as? Bool) ?? false, try #require(content["text"] as? String))
    }

    static func reader(_ server: TestServer) async throws -> WireRequest {
        let created = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission(role: "reader"))
        let request = try server.decode(RequestEnvelope.self, created.body).request
        #expect(request.state == "REQUEST_STATE_PENDING" && request.approverTier == "ai_review", "\(created.body)")
        return request
    }

    @Test func withoutATokenTheEndpointIsNotConfigured() async throws {
        try await withServer(policies: Self.policies) { server in
            let reply = try await Self.rpc(server, #"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#)
            #expect(reply.status == 404)
            #expect(reply.body.contains("MCP endpoint not configured"))
        }
    }

    @Test func onlyTheExactBearerTokenIsAccepted() async throws {
        try await withServer(policies: Self.policies, configure: { $0.mcp.token = Self.token }) { server in
            let message = #"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#
            for authorization in [
                nil, Self.token, "bearer \(Self.token)", "Bearer \(Self.token.uppercased())", "Bearer \(Self.token)x", "Bearer alice@example.com;sre",
            ] {
                let reply = try await Self.rpc(server, message, authorization: authorization)
                #expect(reply.status == 401, "\(authorization ?? "no header") was accepted: \(reply.body)")
            }
            let accepted = try await Self.rpc(server, message)
            #expect(accepted.status == 200)
            #expect(accepted.body.contains(#""protocolVersion":"2025-03-26""#) && accepted.body.contains(#""name":"jitsudo-mcp""#))
            #expect(accepted.body.contains(#""id":1"#))
        }
    }

    @Test func protocolErrorsUseTheJSONRPCCodes() async throws {
        try await withServer(policies: Self.policies, configure: { $0.mcp.token = Self.token }) { server in
            let cases: [(String, Int)] = [
                ("{not json", -32700),
                (#"[1,2]"#, -32600),
                (#"{"jsonrpc":"1.0","id":1,"method":"initialize"}"#, -32600),
                (#"{"jsonrpc":"2.0","id":1,"method":"resources/list"}"#, -32601),
                (#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_everything","arguments":{}}}"#, -32601),
                (#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"approve_request","arguments":{"reasoning":"ok"}}}"#, -32602),
                (
                    #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"approve_request","arguments":{"request_id":"req_nope","reasoning":"ok"}}}"#,
                    -32602
                ),
                (
                    #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"deny_request","arguments":{"request_id":"req_01M8K706RJB3E9Q5KJQBAPRSPA"}}}"#,
                    -32602
                ),
                (
                    #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"deny_request","arguments":{"request_id":"req_01M8K706RJB3E9Q5KJQBAPRSPA","reasoning":"  "}}}"#,
                    -32602
                ),
            ]
            for (message, code) in cases {
                let reply = try await Self.rpc(server, message)
                #expect(reply.status == 200, "\(message)")
                #expect(reply.body.contains(#""code":\#(code)"#), "\(message) → \(reply.body)")
            }
            let notification = try await Self.rpc(server, #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
            #expect(notification.status == 202 && notification.body.isEmpty)
            let tools = try await Self.rpc(server, #"{"jsonrpc":"2.0","id":"t","method":"tools/list"}"#)
            for name in ["list_pending_ai_review", "get_request_details", "approve_request", "deny_request", "escalate_to_human"] {
                #expect(tools.body.contains(#""name":"\#(name)""#))
            }
        }
    }

    @Test func approvalGrantsAndRecordsTheReasoningExactlyAsReceived() async throws {
        try await withServer(
            policies: Self.policies,
            configure: {
                $0.mcp.token = Self.token
                $0.mcp.identity = "reviewer-bot"
            }
        ) { server in
            let request = try await Self.reader(server)
            let human = try server.decode(
                RequestEnvelope.self, try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission()).body
            ).request
            #expect(human.approverTier == "human")

            let queue = try await Self.toolCall(server, "list_pending_ai_review", "{}")
            #expect(queue.text.contains(request.id) && !queue.text.contains(human.id), "only ai_review requests are queued: \(queue.text)")
            #expect(queue.text.contains(#""requester_identity":"alice@example.com""#))

            let reasoning = #"{"risk": "low",  "score":0.1, "notes":["on-call", "INC-1"]}"#
            let approved = try await Self.toolCall(server, "approve_request", #"{"request_id":"\#(request.id)","reasoning":\#(reasoning)}"#)
            #expect(!approved.isError, "\(approved.text)")
            #expect(approved.text.contains(#""status":"approved""#) && approved.text.contains("REQUEST_STATE_ACTIVE"))

            let stored = try server.decode(RequestEnvelope.self, try await server.call(.GET, "/api/v1alpha1/requests/\(request.id)", as: alice).body)
                .request
            #expect(stored.state == "REQUEST_STATE_ACTIVE")
            #expect(stored.approverIdentity == "reviewer-bot")
            #expect(stored.aiReasoningJson == reasoning)
            let events = try await AuditLog(database: server.database).events(matching: .init(requestID: request.id), pageSize: 50).events
            #expect(events.map(\.action) == ["request.created", "request.ai_approved", "grant.issued"])
            let decision = try #require(events.first { $0.action == "request.ai_approved" })
            #expect(decision.actorIdentity == "reviewer-bot")
            #expect(decision.detailsJSON == reasoning, "kept byte for byte")

            // The human-tier request is not the agent's to decide, and nothing changes.
            let refused = try await Self.toolCall(server, "approve_request", #"{"request_id":"\#(human.id)","reasoning":"looks fine"}"#)
            #expect(refused.isError && refused.text.contains("ai_review"))
            let unchanged = try server.decode(RequestEnvelope.self, try await server.call(.GET, "/api/v1alpha1/requests/\(human.id)", as: alice).body)
                .request
            #expect(unchanged.state == "REQUEST_STATE_PENDING")

            // Details never carry credentials.
            let details = try await Self.toolCall(server, "get_request_details", #"{"request_id":"\#(request.id)"}"#)
            #expect(
                details.text.contains(request.id) && !details.text.contains("MOCK_ACCESS_KEY") && !details.text.lowercased().contains("credentials"))

            let verify = try await server.call(.POST, "/api/v1alpha1/audit:verify", as: admin, json: "{}")
            #expect(verify.body.contains("\"intact\":true"))
        }
    }

    @Test func denyAndEscalateFollowTheTierRules() async throws {
        try await withServer(policies: Self.policies, configure: { $0.mcp.token = Self.token }) { server in
            let first = try await Self.reader(server)
            let denied = try await Self.toolCall(server, "deny_request", #"{"request_id":"\#(first.id)","reasoning":"scope too broad"}"#)
            #expect(!denied.isError && denied.text.contains("REQUEST_STATE_REJECTED"), "\(denied.text)")
            let again = try await Self.toolCall(server, "approve_request", #"{"request_id":"\#(first.id)","reasoning":"changed my mind"}"#)
            #expect(again.isError, "a decided request stays decided")
            let events = try await AuditLog(database: server.database).events(matching: .init(requestID: first.id), pageSize: 50).events
            #expect(events.first { $0.action == "request.ai_denied" }?.detailsJSON == #"{"reasoning":"scope too broad"}"#)

            let second = try await Self.reader(server)
            let escalated = try await Self.toolCall(server, "escalate_to_human", #"{"request_id":"\#(second.id)","reasoning":"unusual hour"}"#)
            #expect(escalated.text.contains(#""approver_tier":"human""#), "\(escalated.text)")
            let pending = try server.decode(RequestEnvelope.self, try await server.call(.GET, "/api/v1alpha1/requests/\(second.id)", as: alice).body)
                .request
            #expect(pending.state == "REQUEST_STATE_PENDING" && pending.approverTier == "human")
            let queue = try await Self.toolCall(server, "list_pending_ai_review", "{}")
            #expect(!queue.text.contains(second.id), "escalated requests leave the agent's queue")
            let byAgent = try await Self.toolCall(server, "approve_request", #"{"request_id":"\#(second.id)","reasoning":"ok now"}"#)
            #expect(byAgent.isError, "after escalation only people decide")
            let byPerson = try await server.call(.POST, "/api/v1alpha1/requests/\(second.id)/approve", as: bob, json: #"{"comment":"ok"}"#)
            #expect(try server.decode(RequestEnvelope.self, byPerson.body).request.state == "REQUEST_STATE_ACTIVE")
        }
    }
}

/// The raw-member finder the MCP endpoint uses to keep reasoning objects byte for byte.
@Suite struct RawJSONTests {
    @Test func findsNestedMembersExactlyAsWritten() {
        let text = #"{"jsonrpc":"2.0","params": {"name":"x", "arguments" : {"request_id":"r","reasoning" :  {"a" : [1, "}"], "b":"\"q\""} }}}"#
        #expect(RawJSON.member(["params", "arguments", "reasoning"], in: text) == #"{"a" : [1, "}"], "b":"\"q\""}"#)
        #expect(RawJSON.member(["params", "name"], in: text) == #""x""#)
        #expect(RawJSON.member(["params", "missing"], in: text) == nil)
        #expect(RawJSON.member(["jsonrpc", "deeper"], in: text) == nil, "a string has no members")
    }

    @Test func escapedNamesCompareDecodedAndTheFirstDuplicateWins() {
        #expect(RawJSON.member(["reasoning"], in: #"{"reas\u006fning":{"x":1}}"#) == #"{"x":1}"#)
        #expect(RawJSON.member(["a"], in: #"{"a":1,"a":2}"#) == "1")
    }
}
