public import JitsudoCore
import JitsudoPolicy
import JitsudoProviders
import JitsudoStore
import Logging

extension RequestService {
    /// Approve (or, after a failed grant, retry the grant). Self-approval and policy refusals are audited.
    public func approve(_ id: RequestID, comment: String, by caller: Caller) async throws -> RequestRecord {
        let request = try await requests.get(id)
        let approvers = try await requests.approvals(of: id).map(\.approverIdentity)
        let policy = try await approverVerdict(request, caller: caller, action: "approve", approvals: approvers)
        return try await record(try await execute(id, .approve(by: actor(caller), comment: comment, policy: policy), actor: caller.email))
    }

    /// Deny a PENDING request, or withdraw one's own. The approval policy is consulted unless the caller is the
    /// requester or an admin.
    public func deny(_ id: RequestID, reason: String, by caller: Caller) async throws -> RequestRecord {
        let request = try await requests.get(id)
        var policy: ApproverVerdict?
        if request.requesterIdentity != caller.email, !caller.isAdmin, !reason.isEmpty {
            let approvers = try await requests.approvals(of: id).map(\.approverIdentity)
            policy = try await approverVerdict(request, caller: caller, action: "deny", approvals: approvers)
        }
        return try await record(try await execute(id, .deny(by: actor(caller), reason: reason, policy: policy), actor: caller.email))
    }

    /// Revoke an ACTIVE or APPROVED request (requester or admin). Final requests are returned unchanged.
    public func revoke(_ id: RequestID, reason: String, by caller: Caller) async throws -> RequestRecord {
        let revoked = try await execute(id, .revoke(by: actor(caller), reason: reason), actor: caller.email)
        if revoked.request.state == .revoked { logger.info("grant revoked", metadata: ["request.id": "\(id)"]) }
        return try await record(revoked)
    }

    /// Revokes every ACTIVE grant of `identity` (admin only), reporting each success and failure.
    public func revokeAll(of identity: String, reason: String, by caller: Caller) async throws -> BulkRevocation {
        guard caller.isAdmin else { throw WorkflowRefusal(.permissionDenied, "requires jitsudo-admins group membership") }
        guard !identity.isEmpty else { throw WorkflowRefusal(.invalidArgument, "requester_identity is required") }
        var result = BulkRevocation()
        for id in try await requests.activeIDs(of: identity) {
            do {
                result.revoked.append(try await revoke(id, reason: reason, by: caller))
            } catch {
                result.failed.append(.init(id: id, message: (error as? WorkflowRefusal)?.message ?? "\(error)"))
            }
        }
        return result
    }

    /// Extend an ACTIVE grant by `addedSeconds`, re-checked by the eligibility policy with the total duration. The
    /// provider moves the grant's end first (outside any transaction); the new end is then recorded.
    public func extend(_ id: RequestID, addedSeconds: Int64, reason: String, by caller: Caller) async throws -> RequestRecord {
        let request = try await requests.get(id)
        var eligibility = EligibilityVerdict.deny(reason: "")
        if let total = RequestWorkflow.extendedDuration(of: request, adding: addedSeconds) {
            var proposed = request
            proposed.durationSeconds = total
            let tier = try await trustTier(of: request.requesterIdentity)
            eligibility = policies.eligibility(
                PolicyInput(
                    action: "request", userEmail: caller.email, userSubject: caller.subject,
                    userGroups: caller.groups, request: proposed, trustTier: tier,
                    requesterTrustTier: tier), now: nowNanos)
            if case .failed(let failure) = eligibility { logger.error("eligibility evaluation failed", metadata: ["policy.error": "\(failure)"]) }
        }
        let command = { (reissued: Bool) in
            RequestWorkflow.Command.extend(
                by: actor(caller), addedSeconds: addedSeconds, reason: reason, eligibility: eligibility,
                credentialsReissued: reissued)
        }
        // Preflight on the unlocked row: refusals (audited) before the provider is asked anything.
        let preflight = RequestWorkflow.decide(command(false), on: .init(request), at: now())
        if case .refused(let refusal) = preflight {
            if let audit = refusal.audit { try await self.audit.append(marked(audit)) }
            throw refusal
        }
        guard let provider = providers[request.provider] else { throw ProviderFailure(provider: request.provider, "is not enabled on this server") }
        var reissued: IssuedGrant?
        for case .extendAtProvider(let notAfter) in preflight.effects {
            do {
                reissued = try await provider.extend(
                    grantRequest(request, durationSeconds: preflight.request?.durationSeconds, notAfter: notAfter),
                    revokeToken: request.revokeToken)
            } catch {
                throw ProviderFailure(provider: request.provider, "refused the extension: \(error.message)")
            }
        }
        return try await record(try await execute(id, command(reissued != nil), actor: caller.email, issued: reissued))
    }

    /// Ends a request whose time ran out (an ACTIVE grant past expiry or a PENDING request past the TTL), audited by `system`.
    @discardableResult
    public func expire(_ id: RequestID, fence: Int64? = nil) async throws -> ElevationRequest {
        try await execute(id, .expire, actor: RequestWorkflow.Actor.system.identity, fence: fence).request
    }

    /// The automated approver's queue: `PENDING` requests of tier `ai_review`, oldest first.
    public func aiReviewQueue(limit: Int = 100) async throws -> [ElevationRequest] {
        try await requests.pendingAIReview(limit: limit)
    }

    /// Records the automated approver's decision on a `PENDING` request of tier `ai_review` (policies already routed
    /// it there and are not consulted again); `reasoningJSON` is stored and is the audit event's details, byte for
    /// byte. An approval goes on to the grant, as a person's would.
    public func decideAsAgent(_ id: RequestID, _ choice: RequestWorkflow.AgentChoice, reasoningJSON: String, agent: String) async throws
        -> RequestRecord
    {
        try await record(try await execute(id, .agent(choice, agent: agent, reasoningJSON: reasoningJSON), actor: agent))
    }

    // MARK: - Inputs the workflow needs

    func actor(_ caller: Caller) -> RequestWorkflow.Actor { .init(caller.email, isAdmin: caller.isAdmin) }

    /// The trust tier of `identity` (0 when unknown), through the replica's cache.
    func trustTier(of identity: String) async throws -> Int {
        try await trustTiers.tier(of: identity) { try await principals.trustTier(of: $0) }
    }

    /// Sets `identity`'s trust tier (audited by the store) and forgets the cached one at once on this replica; the
    /// others forget it through `NOTIFY jitsudo_principals`. The one way the API and the console change a tier.
    public func setTrustTier(_ identity: String, tier: Int, notes: String, by actor: String) async throws -> Principal {
        let principal = try await principals.setTrustTier(identity, tier: tier, notes: notes, by: actor)
        trustTiers.forget(identity)
        return principal
    }

    /// The approval policy's verdict for `caller` taking `action` on `request`.
    func approverVerdict(_ request: ElevationRequest, caller: Caller, action: String, approvals: [String]) async throws -> ApproverVerdict {
        let tier = try await trustTier(of: caller.email)
        let requesterTier = try await trustTier(of: request.requesterIdentity)
        let input = PolicyInput(
            action: action, userEmail: caller.email, userSubject: caller.subject, userGroups: caller.groups,
            request: request, trustTier: tier, requesterTrustTier: requesterTier, approvals: approvals)
        let verdict = policies.approver(input, now: nowNanos)
        if case .failed(let failure) = verdict { logger.error("approval evaluation failed", metadata: ["policy.error": "\(failure)"]) }
        return verdict
    }
}
