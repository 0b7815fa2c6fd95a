import Foundation
public import JitsudoAPI
public import JitsudoCore
import JitsudoStore

extension RequestService {
    /// What the automated (MCP) approver decided about a request routed to tier `ai_review`.
    public enum AgentDecision: Sendable {
        case approve
        case deny
        case escalate

        var event: RequestStateMachine.Event {
            switch self {
            case .approve: .aiApproved
            case .deny: .aiDenied
            case .escalate: .aiEscalated
            }
        }

        var verb: String {
            switch self {
            case .approve: "approve"
            case .deny: "deny"
            case .escalate: "escalate"
            }
        }
    }

    /// The automated approver's queue: `PENDING` requests of tier `ai_review`, oldest first.
    public func aiReviewQueue(limit: Int = 100) async throws -> [ElevationRequest] {
        try await requests.pendingAIReview(limit: limit)
    }

    /// Records the automated approver's decision. Only `PENDING` requests of tier `ai_review` are its to decide
    /// (policies already routed them there and are not consulted again); `reasoningJSON` is stored on the request
    /// and is the audit event's details, byte for byte. An approval goes on to the grant, as a person's would.
    ///
    /// - Throws: ``APIError`` `failedPrecondition` for a request that is not the agent's to decide, `notFound`.
    public func decideAsAgent(
        _ id: RequestID, _ decision: AgentDecision, reasoningJSON: String, agent: String
    ) async throws -> WireRequest {
        let decided = try await requests.transition(id) { locked, _ in
            guard locked.state == .pending else {
                throw APIError.failedPrecondition("request \(id) is \(locked.state.rawValue); only PENDING requests can be decided")
            }
            guard locked.approverTier == .aiReview else {
                throw APIError.failedPrecondition(
                    "request \(id) is routed to tier \(locked.approverTier.rawValue); the automated approver decides only ai_review requests"
                )
            }
            var machine = RequestStateMachine(state: locked.state)
            let transition = try machine.apply(decision.event)
            var next = locked
            next.state = transition.to
            next.aiReasoningJSON = reasoningJSON
            switch decision {
            case .approve, .deny:
                next.approverIdentity = agent
            case .escalate:
                next.approverTier = .human
            }
            var draft = AuditDraft(actor: agent, action: transition.auditAction, requestID: locked.id.rawValue, provider: locked.provider,
                                   resourceScope: locked.resourceScope)
            draft.detailsJSON = reasoningJSON
            var change = RequestRepository.Change(request: next, audit: [draft])
            if decision != .approve {
                let title = decision == .deny ? "Request denied by the automated approver: \(locked.role)"
                    : "Request needs a human approver: \(locked.role)"
                change.extraWrites = notify(Notice(
                    event: transition.auditAction, title: title,
                    text: "\(agent) chose to \(decision.verb) \(locked.requesterIdentity)'s request for \(locked.role) on \(locked.provider) "
                        + "\(locked.resourceScope)", requestID: locked.id.rawValue
                ))
            }
            return change
        }
        if decided.state == .approved { return try await activate(decided, actor: agent) }
        return try await wire(decided)
    }
}
