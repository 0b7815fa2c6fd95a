/// Every decision about one elevation request, as a pure function: a command, the request as stored (its
/// snapshot), the policy verdicts the command needs and the time go in; a refusal or a transition with its
/// effects comes out. No I/O, no clock, no policy evaluation: the executor (`RequestService`) gathers the inputs,
/// calls ``decide(_:on:at:)`` on the locked row and applies the effects in one transaction.
///
/// ``RequestStateMachine`` owns which state changes are legal; the workflow adds who may ask for them, what the
/// policies said, and what must be recorded and told.
public enum RequestWorkflow {
    /// Who issues a command.
    public struct Actor: Sendable, Hashable {
        public var identity: String
        /// Member of an admin group: may deny and revoke any request (approving still needs the policy).
        public var isAdmin: Bool

        public init(_ identity: String, isAdmin: Bool = false) {
            self.identity = identity
            self.isAdmin = isAdmin
        }

        /// Time and the leader's sweeper.
        public static let system = Actor("system")
    }

    /// The request as stored, with the identities that have approved it so far.
    public struct Snapshot: Sendable, Hashable {
        public var request: ElevationRequest
        public var approvers: [String]

        public init(_ request: ElevationRequest, approvers: [String] = []) {
            self.request = request
            self.approvers = approvers
        }
    }

    /// What the automated (MCP) approver decided about a request routed to tier `ai_review`.
    public enum AgentChoice: String, Sendable, Hashable {
        case approve, deny, escalate
    }

    /// Something a person, the automated approver, a provider or time asks of an existing request.
    public enum Command: Sendable, Hashable {
        /// Approve (or, on an APPROVED request whose grant failed, retry the grant). `policy` is the approval
        /// policy's verdict for `by` on this request.
        case approve(by: Actor, comment: String, policy: ApproverVerdict)
        /// Deny, or withdraw (the requester). `policy` is nil when it was not consulted (requester, admin).
        case deny(by: Actor, reason: String, policy: ApproverVerdict?)
        /// Revoke an APPROVED or ACTIVE grant (requester or admin); a final request is left as it is.
        case revoke(by: Actor, reason: String)
        /// Move an ACTIVE grant's end `addedSeconds` later; `eligibility` judged the new total duration.
        /// `credentialsReissued` is what the provider answered (false on the preflight decision).
        case extend(by: Actor, addedSeconds: Int64, reason: String, eligibility: EligibilityVerdict, credentialsReissued: Bool)
        /// Time ran out: an ACTIVE grant past `expiresAt`, or a PENDING request past the pending TTL.
        case expire
        /// The automated approver's choice, with its reasoning (stored and audited byte for byte).
        case agent(AgentChoice, agent: String, reasoningJSON: String)
        /// The provider issued the grant for `actor`'s approval; it lasts `durationSeconds`.
        case grantIssued(actor: String, durationSeconds: Int64, revokeToken: String)
        /// The provider refused or failed; the request stays APPROVED.
        case grantFailed(actor: String, message: String)
    }

    /// The outcome of a command.
    public enum Decision: Sendable, Hashable {
        case refused(WorkflowRefusal)
        /// Nothing to do (revoking a request that is already final).
        case unchanged
        /// Store `request` and carry out `effects`.
        case transition(ElevationRequest, [WorkflowEffect])

        /// The stored request after the decision, when it changed.
        public var request: ElevationRequest? {
            if case .transition(let request, _) = self { return request }
            return nil
        }

        /// The effects, in order (none for a refusal).
        public var effects: [WorkflowEffect] {
            if case .transition(_, let effects) = self { return effects }
            return []
        }
    }

    /// The longest a grant may be extended by at once.
    public static let maximumExtensionSeconds = GrantDuration.maximum.seconds

    /// Decides `command` on `snapshot` at `now`.
    public static func decide(_ command: Command, on snapshot: Snapshot, at now: AuditTimestamp) -> Decision {
        do {
            switch command {
            case .approve(let actor, let comment, let policy):
                return try approve(snapshot, by: actor, comment: comment, policy: policy)
            case .deny(let actor, let reason, let policy):
                return try deny(snapshot, by: actor, reason: reason, policy: policy)
            case .revoke(let actor, let reason):
                return try revoke(snapshot.request, by: actor, reason: reason)
            case .extend(let actor, let added, let reason, let eligibility, let reissued):
                return try extend(snapshot.request, by: actor, adding: added, reason: reason, eligibility: eligibility, reissued: reissued)
            case .expire:
                return try expire(snapshot.request, at: now)
            case .agent(let choice, let agent, let reasoning):
                return try decideAsAgent(snapshot.request, choice, agent: agent, reasoningJSON: reasoning)
            case .grantIssued(let actor, let duration, let token):
                return try grantIssued(snapshot.request, actor: actor, durationSeconds: duration, revokeToken: token, at: now)
            case .grantFailed(let actor, let message):
                var next = snapshot.request
                let transition = try step(&next, .grantFailed)
                return .transition(next, [.audit(draft(next, actor, transition.auditAction, outcome: .failure, ["error": .string(message)]))])
            }
        } catch {
            return .refused(error)
        }
    }

    /// The grant's total duration if `request` (ACTIVE) is extended by `addedSeconds`: what the eligibility
    /// policy must judge. nil when the request has no issue or expiry time.
    public static func extendedDuration(of request: ElevationRequest, adding addedSeconds: Int64) -> Int64? {
        guard let issuedAt = request.issuedAt, let expiresAt = request.expiresAt else { return nil }
        let (total, overflow) = ((expiresAt.microseconds - issuedAt.microseconds) / 1_000_000).addingReportingOverflow(addedSeconds)
        return overflow ? nil : total
    }

    // MARK: - Shared steps

    /// Applies `event` to `request`'s state, or refuses with the state machine's words.
    static func step(_ request: inout ElevationRequest, _ event: RequestStateMachine.Event) throws(WorkflowRefusal)
        -> RequestStateMachine.Transition
    {
        var machine = RequestStateMachine(state: request.state)
        do {
            let transition = try machine.apply(event)
            request.state = transition.to
            return transition
        } catch {
            throw WorkflowRefusal(.failedPrecondition, error.message)
        }
    }

    /// An audit event about `request`.
    static func draft(
        _ request: ElevationRequest, _ actor: String, _ action: String, outcome: AuditOutcome = .success,
        _ details: AuditDetails = AuditDetails()
    ) -> AuditDraft {
        AuditDraft(
            actor: actor, action: action, requestID: request.id.rawValue, provider: request.provider,
            resourceScope: request.resourceScope, outcome: outcome, details: details)
    }

    /// The policy's refusal of an approver, audited as `request.approval_refused`; nil when it allows.
    static func approverRefusal(
        _ verdict: ApproverVerdict?, _ request: ElevationRequest, by actor: Actor, action: String,
        extra: AuditDetails = AuditDetails()
    ) -> WorkflowRefusal? {
        let reason: String
        switch verdict {
        case .allow: return nil
        case .deny(let text): reason = text.isEmpty ? "the approval policy does not allow \(actor.identity) to \(action) this request" : text
        case .failed(let failure): reason = "policy evaluation failed: \(failure)"
        case nil: reason = "the approval policy was not consulted; refusing"
        }
        var details = extra
        details["policy_reason"] = .string(reason)
        return WorkflowRefusal(
            .permissionDenied, reason, audit: draft(request, actor.identity, AuditAction.approvalRefused, outcome: .failure, details))
    }
}
