import Foundation
import HTTPTypes
import Hummingbird
import JitsudoAPI
import JitsudoCore
import JitsudoPolicy
import JitsudoStore
import Logging

/// Everything a route handler needs.
struct RouteDependencies: Sendable {
    let requests: RequestService
    let policies: PolicyService
    let policyRepository: PolicyRepository
    let audit: AuditLog
    let principals: PrincipalRepository
    let health: HealthChecks
    /// The bound on policy evaluations in flight (`limits.max_concurrent_evaluations`), one per replica.
    let evaluations: EvaluationGate
    /// The automated approver's endpoint; nil when no MCP token is configured.
    let mcp: MCPApprover?
    /// Slack interactive approvals; nil unless `notifications.slack.signing_secret` is set.
    var slack: SlackApprovals? = nil
    /// The web console under /ui/; nil without an OIDC issuer.
    var console: ConsoleSettings? = nil
}

/// `/api/v1alpha1` routes.
enum APIRoutes {
    static func add(to group: RouteTable, _ deps: RouteDependencies) {
        addRequests(to: group, deps)
        addPolicies(to: group, deps)
        addAudit(to: group, deps)
        addPrincipals(to: group, deps)
    }

    static func requestID(_ context: APIContext) throws -> JitsudoCore.RequestID {
        let text = try context.parameters.require("id")
        do { return try RequestID(parsing: text) } catch { throw APIError.notFound("request \(text.prefix(64)) not found") }
    }

    static func addRequests(to group: RouteTable, _ deps: RouteDependencies) {
        group.post("requests") { request, context in
            let caller = try context.requireCaller()
            let body = try CreateRequestBody(try await HTTPJSON.fields(request, context: context))
            let submission = RequestService.Submission(
                provider: body.provider, role: body.role, resourceScope: body.resourceScope, durationSeconds: body.durationSeconds,
                reason: body.reason, breakGlass: body.breakGlass, metadata: body.metadata)
            return HTTPJSON.response(RequestEnvelope(request: WireRequest(try await deps.requests.create(submission, by: caller))))
        }
        group.get("requests") { request, context in
            let caller = try context.requireCaller()
            var filter = RequestRepository.Filter()
            filter.requesterIdentity = try request.query("requesterIdentity").flatMap { $0.isEmpty ? nil : $0 }
            if try request.queryBool("mine") { filter.requesterIdentity = caller.email }
            if let text = try request.query("state"), !text.isEmpty {
                guard let state = RequestState(parsing: text) else {
                    throw APIError.invalidArgument(
                        "state must be one of PENDING, APPROVED, REJECTED, ACTIVE, EXPIRED, REVOKED; got '\(text.prefix(40))'")
                }
                filter.state = state
            }
            if try request.queryBool("pending") {
                if let state = filter.state, state != .pending {
                    throw APIError.invalidArgument("pending=true conflicts with state=\(state.rawValue)")
                }
                filter.state = .pending
            }
            filter.provider = try request.query("provider").flatMap { $0.isEmpty ? nil : $0 }
            let pageSize = try request.queryInt("pageSize", default: 200, range: 1...1_000)
            let page = try await deps.requests.requests.list(filter, pageSize: pageSize, pageToken: try request.query("pageToken") ?? "")
            return HTTPJSON.response(
                RequestList(requests: try await deps.requests.records(page.requests).map { WireRequest($0) }, nextPageToken: page.nextPageToken))
        }
        group.get("requests/:id") { _, context in
            _ = try context.requireCaller()
            return HTTPJSON.response(RequestEnvelope(request: WireRequest(try await deps.requests.get(try requestID(context)))))
        }
        group.post("requests/:id/approve") { request, context in
            let caller = try context.requireCaller()
            let body = try ApproveBody(try await HTTPJSON.fields(request, context: context))
            let result = try await deps.requests.approve(try requestID(context), comment: body.comment, by: caller)
            return HTTPJSON.response(RequestEnvelope(request: WireRequest(result)))
        }
        group.post("requests/:id/deny") { request, context in
            let caller = try context.requireCaller()
            let body = try ReasonBody(try await HTTPJSON.fields(request, context: context), required: true)
            let result = try await deps.requests.deny(try requestID(context), reason: body.reason, by: caller)
            return HTTPJSON.response(RequestEnvelope(request: WireRequest(result)))
        }
        group.post("requests/:id/revoke") { request, context in
            let caller = try context.requireCaller()
            let body = try ReasonBody(try await HTTPJSON.fields(request, context: context), required: false)
            let result = try await deps.requests.revoke(try requestID(context), reason: body.reason, by: caller)
            return HTTPJSON.response(RequestEnvelope(request: WireRequest(result)))
        }
        group.post("requests/:id/extend") { request, context in
            let caller = try context.requireCaller()
            let body = try ExtendBody(try await HTTPJSON.fields(request, context: context))
            let result = try await deps.requests.extend(try requestID(context), addedSeconds: body.durationSeconds, reason: body.reason, by: caller)
            return HTTPJSON.response(RequestEnvelope(request: WireRequest(result)))
        }
        group.get("requests/:id/credentials") { _, context in
            let caller = try context.requireCaller()
            return try HTTPJSON.response(GrantEnvelope(grant: WireGrant(try await deps.requests.credentials(try requestID(context), by: caller))))
        }
        group.post("requests:revoke") { request, context in
            let caller = try context.requireCaller()
            let body = try BulkRevokeBody(try await HTTPJSON.fields(request, context: context))
            return try HTTPJSON.response(
                BulkRevokeResult(try await deps.requests.revokeAll(of: body.requesterIdentity, reason: body.reason, by: caller)))
        }
    }

    static func addAudit(to group: RouteTable, _ deps: RouteDependencies) {
        group.get("audit") { request, context in
            _ = try context.requireCaller()
            func time(_ name: String) throws -> AuditTimestamp? {
                guard let text = try request.query(name) else { return nil }
                guard let value = AuditTimestamp(parsing: text) else {
                    throw APIError.invalidArgument("\(name) must be an RFC 3339 time in UTC, like 2026-03-20T16:00:00Z")
                }
                return value
            }
            let filter = AuditLog.Filter(
                actorIdentity: try request.query("actorIdentity").flatMap { $0.isEmpty ? nil : $0 },
                provider: try request.query("provider").flatMap { $0.isEmpty ? nil : $0 },
                requestID: try request.query("requestId").flatMap { $0.isEmpty ? nil : $0 },
                action: try request.query("action").flatMap { $0.isEmpty ? nil : $0 },
                since: try time("since"), until: try time("until")
            )
            let pageSize = try request.queryInt("pageSize", default: 100, range: 1...1_000)
            let page = try await deps.audit.events(matching: filter, pageSize: pageSize, pageToken: try request.query("pageToken") ?? "")
            return try HTTPJSON.response(AuditList(events: page.events.map(WireAuditEvent.init), nextPageToken: page.nextPageToken))
        }
        group.post("audit:verify") { _, context in
            _ = try context.requireCaller()
            // Read-your-writes: the caller's own events are sequenced first when a leader is there. When none sequences
            // them in time, the verification still runs and counts them as unsequenced; any other error is the answer.
            do {
                try await deps.audit.awaitSequenced(within: .seconds(5))
            } catch let error as StoreError where error.code == .unavailable && error.context["unsequenced"] != nil {
                context.logger.warning(
                    "audit verify: events still unsequenced", metadata: ["audit.unsequenced": "\(error.context["unsequenced"] ?? "")"])
            }
            return try HTTPJSON.response(WireVerification(try await deps.audit.verify()))
        }
    }

    static func addPrincipals(to group: RouteTable, _ deps: RouteDependencies) {
        group.get("principals/:identity") { _, context in
            _ = try context.requireCaller()
            let identity = try context.parameters.require("identity")
            return try HTTPJSON.response(PrincipalEnvelope(principal: WirePrincipal(try await deps.principals.get(identity))))
        }
        group.put("principals/:identity/trust-tier") { request, context in
            let caller = try context.requireAdmin()
            let identity = try context.parameters.require("identity")
            let body = try TrustTierBody(try await HTTPJSON.fields(request, context: context))
            let principal = try await deps.requests.setTrustTier(identity, tier: Int(body.trustTier), notes: body.notes, by: caller.email)
            return try HTTPJSON.response(PrincipalEnvelope(principal: WirePrincipal(principal)))
        }
    }
}
