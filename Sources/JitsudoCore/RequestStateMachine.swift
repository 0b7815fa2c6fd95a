/// The pure state machine of one elevation request: it owns every legal transition and refuses every
/// illegal one with ``CoreError/Code/illegalTransition``.
///
/// It performs no I/O. The owning service applies an ``Event``, then carries out the returned
/// ``Transition/actions`` (write and audit in one transaction, call the provider, notify).
public struct RequestStateMachine: Sendable, Hashable {
    /// Something that happened to the request.
    public enum Event: Sendable, Hashable {
        /// A person (or the MCP approver) approved; `approvals` distinct approvals now exist of `required`.
        case approvalRecorded(approvals: Int, required: Int)
        /// The approval policy routed the request to tier `auto`.
        case autoApproved
        /// The requester invoked break-glass and the eligibility policy allowed it.
        case breakGlass
        /// An approver denied, or the requester withdrew.
        case denied
        /// The provider issued the grant.
        case grantIssued
        /// The provider refused or failed the grant; the request stays `APPROVED`.
        case grantFailed
        /// Someone asked to approve again after a failed grant: retry the provider call.
        case grantRetried
        /// The requester or an admin revoked.
        case revoked
        /// Time ran out: a grant passed `expiresAt`, or a pending request passed the pending TTL.
        case expired
        /// The grant's end moved later.
        case extended
        /// The MCP approver approved a request routed to tier `ai_review`.
        case aiApproved
        /// The MCP approver denied a request routed to tier `ai_review`.
        case aiDenied
        /// The MCP approver handed a request routed to tier `ai_review` to people; it stays `PENDING`.
        case aiEscalated
    }

    /// Why a provider revocation is queued.
    public enum RevocationCause: String, Sendable, Hashable {
        case expired
        case revoked
    }

    /// Work the owner must perform for a transition, in order.
    public enum Action: Sendable, Hashable {
        /// Call the provider's grant (keyed by request id).
        case issueGrant
        /// Persist the credentials and the issue/expiry times the provider returned.
        case storeCredentials
        /// Remove stored credentials (the request left `ACTIVE`).
        case clearCredentials
        /// Insert a durable provider-revocation job.
        case queueRevocation(RevocationCause)
        /// Alert every notification channel at high priority.
        case alertBreakGlass
        /// Nothing to do yet: more approvals are needed.
        case awaitMoreApprovals
        /// Tell the caller the provider failed (502).
        case reportProviderFailure
        /// Re-arm the expiry timer for the new `expiresAt`.
        case rescheduleExpiry
    }

    /// The outcome of applying an event.
    public struct Transition: Sendable, Hashable {
        public let from: RequestState
        public let to: RequestState
        /// What the owner must do, in order.
        public let actions: [Action]
        /// The audit action recorded for this event (`request.approved`, `grant.expired`, …).
        public let auditAction: String

        /// True when the event changed the stored state.
        public var changesState: Bool { from != to }
    }

    /// The current state.
    public private(set) var state: RequestState

    public init(state: RequestState) {
        self.state = state
    }

    /// Applies `event` and returns what the owner must do.
    ///
    /// - Throws: ``CoreError`` with code `illegalTransition` when the event is not legal in ``state``;
    ///   the state is then unchanged. Terminal states never move.
    public mutating func apply(_ event: Event) throws(CoreError) -> Transition {
        let from = state
        let (to, actions, audit) = try Self.next(from: from, on: event)
        state = to
        return Transition(from: from, to: to, actions: actions, auditAction: audit)
    }

    /// The transition table. Every pair not listed is illegal.
    private static func next(
        from: RequestState,
        on event: Event
    ) throws(CoreError) -> (RequestState, [Action], String) {
        switch (from, event) {
        case (.pending, .approvalRecorded(let approvals, let required)):
            guard required >= 1, approvals >= 1 else {
                throw CoreError(.invalidArgument, "an approval needs at least one approver and a quorum of at least one")
            }
            if approvals >= required { return (.approved, [.issueGrant], AuditAction.requestApproved) }
            return (.pending, [.awaitMoreApprovals], AuditAction.approvalRecorded)
        case (.pending, .autoApproved):
            return (.approved, [.issueGrant], AuditAction.autoApproved)
        case (.pending, .breakGlass):
            return (.approved, [.alertBreakGlass, .issueGrant], AuditAction.requestApproved)
        case (.pending, .denied):
            return (.rejected, [], AuditAction.requestDenied)
        case (.pending, .aiApproved):
            return (.approved, [.issueGrant], AuditAction.aiApproved)
        case (.pending, .aiDenied):
            return (.rejected, [], AuditAction.aiDenied)
        case (.pending, .aiEscalated):
            return (.pending, [.awaitMoreApprovals], AuditAction.aiEscalated)
        case (.pending, .expired):
            return (.expired, [], AuditAction.requestExpired)
        case (.approved, .grantIssued):
            return (.active, [.storeCredentials], AuditAction.grantIssued)
        case (.approved, .grantFailed):
            return (.approved, [.reportProviderFailure], AuditAction.grantIssueFailed)
        case (.approved, .grantRetried):
            return (.approved, [.issueGrant], AuditAction.requestApproved)
        case (.approved, .revoked):
            return (.revoked, [.queueRevocation(.revoked)], AuditAction.grantRevoked)
        case (.active, .revoked):
            return (.revoked, [.clearCredentials, .queueRevocation(.revoked)], AuditAction.grantRevoked)
        case (.active, .expired):
            return (.expired, [.clearCredentials, .queueRevocation(.expired)], AuditAction.grantExpired)
        case (.active, .extended):
            return (.active, [.rescheduleExpiry], AuditAction.grantExtended)
        default:
            throw illegal(from: from, event: event)
        }
    }

    private static func illegal(from: RequestState, event: Event) -> CoreError {
        let verb: String
        let allowed: String
        switch event {
        case .approvalRecorded, .autoApproved, .breakGlass, .aiApproved:
            verb = "approved"
            allowed = "only PENDING requests can be approved"
        case .aiEscalated:
            verb = "escalated"
            allowed = "only PENDING requests can be escalated"
        case .denied, .aiDenied:
            verb = "denied"
            allowed = "only PENDING requests can be denied"
        case .grantIssued, .grantFailed, .grantRetried:
            verb = "granted"
            allowed = "only APPROVED requests can be granted"
        case .revoked:
            verb = "revoked"
            allowed =
                from == .pending
                ? "a PENDING request is withdrawn with deny, not revoked"
                : "only ACTIVE or APPROVED requests can be revoked"
        case .expired:
            verb = "expired"
            allowed = "only ACTIVE or PENDING requests can expire"
        case .extended:
            verb = "extended"
            allowed = "only ACTIVE requests can be extended"
        }
        return CoreError(
            .illegalTransition,
            "request is \(from.rawValue) and cannot be \(verb); \(allowed)",
            context: ["state": from.rawValue, "event": verb]
        )
    }
}
