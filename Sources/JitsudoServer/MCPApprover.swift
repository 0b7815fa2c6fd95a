import Crypto
import Foundation
import JitsudoAPI
import JitsudoCore
import JitsudoStore
import BoundedJSON

/// The automated approver's endpoint (`POST /mcp`, `api.md` §9): JSON-RPC 2.0, one message per HTTP request, for
/// requests the approval policy routed to tier `ai_review`. It authenticates with a static bearer token, decides
/// as the configured identity, never sees credentials or provider tokens, and never touches other tiers.
struct MCPApprover: Sendable {
    let requests: RequestService
    let token: String
    let identity: String

    /// What to answer: an HTTP status and a JSON body (nil for 202 to a notification).
    struct Reply: Sendable {
        var status: Int
        var body: JSONValue?
    }

    /// JSON-RPC error codes of `api.md` §9.
    enum Code: Int64 {
        case parse = -32700
        case invalidRequest = -32600
        case methodNotFound = -32601
        case invalidParams = -32602
        case internalError = -32603
    }

    struct Failure: Error {
        let code: Code
        let message: String
    }

    /// Checks the `Authorization` header in constant time against the configured token.
    func authorizes(_ header: String?) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        let presented = SHA256.hash(data: Data(header.dropFirst(7).utf8))
        let expected = SHA256.hash(data: Data(token.utf8))
        // Equal-length digests compared without an early exit.
        return zip(presented, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Handles one JSON-RPC message (`text` is the HTTP body).
    func handle(_ text: String) async -> Reply {
        let message: JSONValue
        do {
            message = try JSONDecoder().decodeBounded(JSONValue.self, from: Data(text.utf8))
        } catch {
            return Self.error(.parse, "parse error: the body is not valid JSON", id: .null)
        }
        guard case .object(let members) = message else {
            return Self.error(.invalidRequest, "invalid request: send one JSON-RPC 2.0 object", id: .null)
        }
        let id = members["id"]
        guard members["jsonrpc"] == .string("2.0"), case .string(let method)? = members["method"] else {
            return Self.error(.invalidRequest, "invalid request: jsonrpc must be \"2.0\" and method a string", id: id ?? .null)
        }
        // A notification (no id) is acknowledged and never acted on: a decision always gets an answer.
        guard let id else { return Reply(status: 202, body: nil) }
        do {
            let result = try await dispatch(method, params: members["params"], text: text)
            return Reply(status: 200, body: .object(["jsonrpc": "2.0", "id": id, "result": result]))
        } catch let failure as Failure {
            return Self.error(failure.code, failure.message, id: id)
        } catch {
            return Self.error(.internalError, "internal error: the decision was not recorded; try again", id: id)
        }
    }

    private func dispatch(_ method: String, params: JSONValue?, text: String) async throws -> JSONValue {
        switch method {
        case "initialize":
            return .object([
                "protocolVersion": "2025-03-26",
                "serverInfo": .object(["name": "jitsudo-mcp", "version": .string(JitsudoVersion.current)]),
                "capabilities": .object(["tools": .object([:])]),
            ])
        case "ping":
            return .object([:])
        case "tools/list":
            return .object(["tools": .array(Self.tools)])
        case "tools/call":
            guard case .object(let call)? = params, case .string(let name)? = call["name"] else {
                throw Failure(code: .invalidParams, message: "tools/call needs params {\"name\", \"arguments\"}")
            }
            let arguments: [String: JSONValue]
            switch call["arguments"] {
            case .object(let object)?: arguments = object
            case nil, .null?: arguments = [:]
            default: throw Failure(code: .invalidParams, message: "arguments must be an object")
            }
            return try await callTool(name, arguments, text: text)
        default:
            throw Failure(code: .methodNotFound, message: "method not found: \(method.prefix(64))")
        }
    }

    private func callTool(_ name: String, _ arguments: [String: JSONValue], text: String) async throws -> JSONValue {
        switch name {
        case "list_pending_ai_review":
            let queue = try await requests.aiReviewQueue(limit: 100).map { request -> JSONValue in
                .object([
                    "id": .string(request.id.rawValue), "requester_identity": .string(request.requesterIdentity),
                    "provider": .string(request.provider), "role": .string(request.role), "resource_scope": .string(request.resourceScope),
                    "duration_seconds": .integer(request.durationSeconds), "reason": .string(request.reason),
                    "created_at": .string(request.createdAt.canonicalText),
                ])
            }
            return try Self.content(JSONValue.array(queue))
        case "get_request_details":
            let id = try requestID(arguments)
            do {
                return try Self.content(WireRequest(try await requests.get(id)))
            } catch {
                return try Self.refusal(for: error)
            }
        case "approve_request", "deny_request", "escalate_to_human":
            let id = try requestID(arguments)
            let reasoning = try reasoningJSON(arguments, text: text)
            let decision: RequestWorkflow.AgentChoice = name == "approve_request" ? .approve : name == "deny_request" ? .deny : .escalate
            let decided: RequestRecord
            do {
                decided = try await requests.decideAsAgent(id, decision, reasoningJSON: reasoning, agent: identity)
            } catch {
                return try Self.refusal(for: error)
            }
            switch decision {
            case .approve:
                return try Self.content(
                    JSONValue.object(["status": "approved", "request_id": .string(decided.id.rawValue), "state": .string(decided.state.apiName)]))
            case .deny:
                return try Self.content(
                    JSONValue.object(["status": "denied", "request_id": .string(decided.id.rawValue), "state": .string(decided.state.apiName)]))
            case .escalate:
                return try Self.content(
                    JSONValue.object(["status": "escalated", "request_id": .string(decided.id.rawValue), "approver_tier": "human"]))
            }
        default:
            throw Failure(code: .methodNotFound, message: "unknown tool: \(name.prefix(64)); tools/list names the tools")
        }
    }

    /// A refusal the agent can read for an error the API would answer with a 4xx or a provider's 502; anything
    /// else is rethrown (an internal error).
    private static func refusal(for error: any Error) throws -> JSONValue {
        let mapped = ErrorMiddleware.map(error, requestID: "mcp")
        guard mapped.status < 500 || mapped.status == 502 else { throw error }
        return refusal(mapped.message)
    }

    private func requestID(_ arguments: [String: JSONValue]) throws -> RequestID {
        guard case .string(let text)? = arguments["request_id"], !text.isEmpty else {
            throw Failure(code: .invalidParams, message: "request_id is required (a req_… id)")
        }
        guard let id = try? RequestID(parsing: text) else {
            throw Failure(code: .invalidParams, message: "request_id '\(text.prefix(64))' is not a request id (req_ followed by 26 characters)")
        }
        return id
    }

    /// The reasoning as stored: an object exactly as received, anything else as `{"reasoning": "<text>"}`.
    private func reasoningJSON(_ arguments: [String: JSONValue], text: String) throws -> String {
        switch arguments["reasoning"] {
        case nil, .null?:
            throw Failure(code: .invalidParams, message: "reasoning is required: say why, as text or a JSON object")
        case .string(let reason)? where reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty:
            throw Failure(code: .invalidParams, message: "reasoning is required: say why, as text or a JSON object")
        case .object(let parsed)?:
            guard let raw = RawJSON.member(["params", "arguments", "reasoning"], in: text),
                raw.utf8.count <= 64 * 1024,
                (try? JSONDecoder().decodeBounded(JSONValue.self, from: Data(raw.utf8))) == .object(parsed)
            else {
                throw Failure(code: .invalidParams, message: "reasoning must be one JSON object of at most 64 KiB without duplicate member names")
            }
            return raw
        case .string(let reason)?:
            let details: AuditDetails = ["reasoning": .string(String(reason.prefix(16 * 1024)))]
            return details.jsonText
        case let other?:
            let details: AuditDetails = ["reasoning": .rawJSON(Self.compact(other))]
            return details.jsonText
        }
    }

    // MARK: - Replies

    static func error(_ code: Code, _ message: String, id: JSONValue) -> Reply {
        Reply(
            status: 200,
            body: .object(["jsonrpc": "2.0", "id": id, "error": .object(["code": .integer(code.rawValue), "message": .string(message)])]))
    }

    /// A tool result: `value` as compact JSON text.
    static func content(_ value: some Encodable) throws -> JSONValue {
        let text = String(decoding: try HTTPJSON.encoder.encode(value), as: UTF8.self)
        return .object(["content": .array([.object(["type": "text", "text": .string(text)])])])
    }

    static func refusal(_ reason: String) -> JSONValue {
        .object(["content": .array([.object(["type": "text", "text": .string(reason)])]), "isError": true])
    }

    static func compact(_ value: JSONValue) -> String {
        (try? String(decoding: HTTPJSON.encoder.encode(value), as: UTF8.self)) ?? "null"
    }

    static let tools: [JSONValue] = {
        func tool(_ name: String, _ description: String, decision: Bool) -> JSONValue {
            var properties: [String: JSONValue] = [:]
            var required: [JSONValue] = []
            if name != "list_pending_ai_review" {
                properties["request_id"] = .object(["type": "string", "description": "the request id (req_…)"])
                required.append("request_id")
            }
            if decision {
                properties["reasoning"] = .object(["description": "why: text, or a JSON object stored as given"])
                required.append("reasoning")
            }
            return .object([
                "name": .string(name), "description": .string(description),
                "inputSchema": .object(["type": "object", "properties": .object(properties), "required": .array(required)]),
            ])
        }
        return [
            tool("list_pending_ai_review", "PENDING requests routed to tier ai_review, oldest first (at most 100)", decision: false),
            tool("get_request_details", "One request, without credentials or provider tokens", decision: false),
            tool("approve_request", "Approve an ai_review request; it is granted at once", decision: true),
            tool("deny_request", "Deny an ai_review request", decision: true),
            tool("escalate_to_human", "Hand an ai_review request to human approvers; it stays PENDING", decision: true),
        ]
    }()
}
