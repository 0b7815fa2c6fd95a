import Foundation
public import JitsudoAPI
public import JitsudoCore
import JitsudoPolicy
import JitsudoProviders
import JitsudoStore
import Logging

extension RequestService {
    /// Approve (or, after a failed grant, retry the grant). Self-approval and policy refusals are audited and answered 403.
    public func approve(_ id: RequestID, comment: String, by caller: Caller) async throws -> WireRequest {
        let request = try await requests.get(id)
        guard request.requesterIdentity != caller.email else {
            try await refuseApproval(request, by: caller, details: ["self_approval": true])
            throw APIError.permissionDenied("you cannot approve your own request \(id); ask another approver")
        }
        guard request.state == .pending || request.state == .approved else {
            throw APIError.failedPrecondition("request \(id) is \(request.state.rawValue); only PENDING requests can be approved")
        }
        let approvals = try await requests.approvals(of: id)
        if let reason = try await approverRefusal(request, caller: caller, action: "approve", approvals: approvals.map(\.approverIdentity)) {
            try await refuseApproval(request, by: caller, details: ["policy_reason": .string(reason)])
            throw APIError.permissionDenied(reason)
        }
        if request.state == .approved {
            // A grant failed earlier: approving again retries it.
            let retried = try await requests.transition(id) { locked, _ in
                var machine = RequestStateMachine(state: locked.state)
                let transition = try machine.apply(.grantRetried)
                var updated = locked
                updated.state = transition.to
                return RequestRepository.Change(request: updated, audit: [AuditDraft(
                    actor: caller.email, action: transition.auditAction, requestID: locked.id.rawValue, provider: locked.provider,
                    resourceScope: locked.resourceScope, details: ["comment": .string(comment), "retry": true]
                )])
            }
            return try await activate(retried, actor: caller.email)
        }
        guard !approvals.contains(where: { $0.approverIdentity == caller.email }) else {
            throw APIError.failedPrecondition("you already approved request \(id); it needs \(request.requiredApprovals) distinct approvers")
        }
        let updated = try await requests.transition(id) { locked, existing in
            guard locked.requesterIdentity != caller.email else { throw APIError.permissionDenied("you cannot approve your own request") }
            guard !existing.contains(where: { $0.approverIdentity == caller.email }) else {
                throw APIError.failedPrecondition("you already approved request \(id)")
            }
            var machine = RequestStateMachine(state: locked.state)
            let transition: RequestStateMachine.Transition
            do {
                transition = try machine.apply(.approvalRecorded(approvals: existing.count + 1, required: locked.requiredApprovals))
            } catch {
                throw APIError.failedPrecondition("request \(id) is \(locked.state.rawValue); only PENDING requests can be approved")
            }
            var next = locked
            next.state = transition.to
            if transition.to == .approved {
                next.approverIdentity = caller.email
                next.approverComment = comment
            }
            return RequestRepository.Change(
                request: next,
                audit: [AuditDraft(actor: caller.email, action: transition.auditAction, requestID: locked.id.rawValue, provider: locked.provider,
                                   resourceScope: locked.resourceScope,
                                   details: ["comment": .string(comment), "approvals": .int(Int64(existing.count + 1)),
                                             "required_approvals": .int(Int64(locked.requiredApprovals))])],
                approval: Approval(approverIdentity: caller.email, comment: comment, createdAt: now())
            )
        }
        if updated.state == .approved { return try await activate(updated, actor: caller.email) }
        return try await wire(updated)
    }

    /// Deny or withdraw a PENDING request.
    public func deny(_ id: RequestID, reason: String, by caller: Caller) async throws -> WireRequest {
        guard !reason.isEmpty else { throw APIError.invalidArgument("reason is required to deny a request") }
        let request = try await requests.get(id)
        let withdrawn = request.requesterIdentity == caller.email
        if !withdrawn, !caller.isAdmin {
            let approvals = try await requests.approvals(of: id).map(\.approverIdentity)
            if let why = try await approverRefusal(request, caller: caller, action: "deny", approvals: approvals) {
                try await refuseApproval(request, by: caller, details: ["policy_reason": .string(why), "deny": true])
                throw APIError.permissionDenied(why)
            }
        }
        let denied = try await requests.transition(id) { locked, _ in
            var machine = RequestStateMachine(state: locked.state)
            let transition: RequestStateMachine.Transition
            do { transition = try machine.apply(.denied) } catch {
                throw APIError.failedPrecondition("request \(id) is \(locked.state.rawValue); only PENDING requests can be denied")
            }
            var next = locked
            next.state = transition.to
            next.approverIdentity = caller.email
            next.approverComment = reason
            var change = RequestRepository.Change(request: next, audit: [AuditDraft(
                actor: caller.email, action: transition.auditAction, requestID: locked.id.rawValue, provider: locked.provider,
                resourceScope: locked.resourceScope, details: ["reason": .string(reason), "withdrawn": .bool(withdrawn)]
            )])
            change.extraWrites = notify(Notice(event: AuditAction.requestDenied, title: "Request denied: \(locked.role)",
                                               text: "\(caller.email) denied \(locked.requesterIdentity)'s request for \(locked.role): \(reason)",
                                               requestID: locked.id.rawValue))
            return change
        }
        return try await wire(denied)
    }

    /// Revoke an ACTIVE or APPROVED request (requester or admin). Final requests are returned unchanged.
    public func revoke(_ id: RequestID, reason: String, by caller: Caller) async throws -> WireRequest {
        let request = try await requests.get(id)
        guard request.requesterIdentity == caller.email || caller.isAdmin else {
            throw APIError.permissionDenied("only the requester or an admin can revoke request \(id)")
        }
        if request.state.isTerminal { return try await wire(request) }
        let revoked = try await requests.transition(id) { locked, _ in
            var next = locked
            var machine = RequestStateMachine(state: locked.state)
            let transition: RequestStateMachine.Transition
            do { transition = try machine.apply(.revoked) } catch {
                throw APIError.failedPrecondition((error as? CoreError)?.message ?? "\(error)")
            }
            next.state = transition.to
            next.revokedBy = caller.email
            next.revokeReason = reason
            var change = RequestRepository.Change(
                request: next,
                audit: [AuditDraft(actor: caller.email, action: transition.auditAction, requestID: locked.id.rawValue, provider: locked.provider,
                                   resourceScope: locked.resourceScope, details: ["reason": .string(reason)])],
                revocation: .revoked
            )
            change.extraWrites = notify(Notice(event: AuditAction.grantRevoked, title: "Access revoked: \(locked.role)",
                                               text: "\(caller.email) revoked \(locked.requesterIdentity)'s \(locked.role) grant. \(reason)",
                                               requestID: locked.id.rawValue))
            return change
        }
        logger.info("grant revoked", metadata: ["request.id": "\(id)"])
        return try await wire(revoked)
    }

    /// Revokes every ACTIVE grant of `identity` (admin only), reporting each success and failure.
    public func revokeAll(of identity: String, reason: String, by caller: Caller) async throws -> BulkRevokeResult {
        guard caller.isAdmin else { throw APIError.permissionDenied("requires jitsudo-admins group membership") }
        guard !identity.isEmpty else { throw APIError.invalidArgument("requester_identity is required") }
        var result = BulkRevokeResult(revoked: [], failed: [])
        for id in try await requests.activeIDs(of: identity) {
            do {
                result.revoked.append(try await revoke(id, reason: reason, by: caller))
            } catch {
                result.failed.append(.init(id: id.rawValue, message: (error as? APIError)?.message ?? "\(error)"))
            }
        }
        return result
    }

    /// Extend an ACTIVE grant by `addedSeconds`, re-checked by the eligibility policy with the total duration.
    public func extend(_ id: RequestID, addedSeconds: Int64, reason: String, by caller: Caller) async throws -> WireRequest {
        guard addedSeconds > 0, addedSeconds <= GrantDuration.maximum.seconds else {
            throw APIError.invalidArgument("duration_seconds must be between 1 and \(GrantDuration.maximum.seconds)")
        }
        let request = try await requests.get(id)
        guard request.requesterIdentity == caller.email || caller.isAdmin else {
            throw APIError.permissionDenied("only the requester or an admin can extend request \(id)")
        }
        guard request.state == .active, let issuedAt = request.issuedAt, let expiresAt = request.expiresAt else {
            throw APIError.failedPrecondition("request \(id) is \(request.state.rawValue); only ACTIVE grants can be extended")
        }
        let total = (expiresAt.microseconds - issuedAt.microseconds) / 1_000_000 + addedSeconds
        var proposed = request
        proposed.durationSeconds = total
        let tier = try await principals.trustTier(of: request.requesterIdentity)
        let input = PolicyInput(action: "request", userEmail: caller.email, userSubject: caller.subject, userGroups: caller.groups,
                                request: proposed, trustTier: tier, requesterTrustTier: tier)
        var refusal: String?
        switch policies.eligibility(input, now: nowNanos) {
        case .failed(let failure):
            logger.error("eligibility evaluation failed", metadata: ["policy.error": "\(failure)"])
            refusal = "policy evaluation failed: \(failure)"
        case .deny(let reason):
            refusal = reason.isEmpty ? "no eligibility policy allows this duration" : reason
        case .allow(let limits):
            if let limit = limits.maxDurationSeconds, limit < total { refusal = "the total duration exceeds the policy maximum" }
        }
        if let why = refusal {
            try await audit.append(AuditDraft(actor: caller.email, action: AuditAction.requestNotEligible, requestID: id.rawValue,
                                              provider: request.provider, resourceScope: request.resourceScope, outcome: .failure,
                                              details: ["extend_seconds": .int(addedSeconds), "policy_reason": .string(why)]))
            throw APIError.permissionDenied("not eligible: \(why)")
        }
        guard let provider = providers[request.provider] else { throw APIError.providerError("provider \(request.provider) is not enabled") }
        let newExpiry = AuditTimestamp(microsecondsSinceEpoch: expiresAt.microseconds + addedSeconds * 1_000_000)
        let reissued: IssuedGrant?
        do {
            reissued = try await provider.extend(
                GrantRequest(requestID: id.rawValue, requesterIdentity: request.requesterIdentity, role: request.role,
                             resourceScope: request.resourceScope, durationSeconds: total, metadata: request.metadata, notAfter: newExpiry),
                revokeToken: request.revokeToken)
        } catch {
            throw APIError.providerError("provider \(request.provider) refused the extension: \(error.message)")
        }
        let resealed = try reissued.map { try vault.seal($0.credentials) }
        let extended = try await requests.transition(id) { locked, _ in
            var machine = RequestStateMachine(state: locked.state)
            let transition: RequestStateMachine.Transition
            do { transition = try machine.apply(.extended) } catch { throw APIError.failedPrecondition((error as? CoreError)?.message ?? "\(error)") }
            var next = locked
            next.durationSeconds = total
            next.expiresAt = newExpiry
            if let reissued { next.revokeToken = reissued.revokeToken }
            return RequestRepository.Change(request: next, audit: [AuditDraft(
                actor: caller.email, action: transition.auditAction, requestID: locked.id.rawValue, provider: locked.provider,
                resourceScope: locked.resourceScope,
                details: ["added_seconds": .int(addedSeconds), "expires_at": .string(newExpiry.canonicalText), "reason": .string(reason),
                          "credentials_reissued": .bool(resealed != nil)]
            )], credentialsJSON: resealed)
        }
        return try await wire(extended)
    }

    /// The credentials of an ACTIVE grant, for its requester only; every read is audited.
    public func credentials(_ id: RequestID, by caller: Caller) async throws -> WireGrant {
        let request = try await requests.get(id)
        guard request.requesterIdentity == caller.email else {
            throw APIError.permissionDenied("only the requester can fetch the credentials of request \(id)")
        }
        guard request.state == .active, let issuedAt = request.issuedAt, let expiresAt = request.expiresAt, expiresAt > now() else {
            throw APIError.failedPrecondition("request \(id) is \(request.state.rawValue) and has no usable credentials; only ACTIVE grants do")
        }
        guard let sealed = try await requests.credentialsJSON(of: id) else {
            throw APIError.failedPrecondition("request \(id) has no stored credentials")
        }
        var credentials = try vault.open(sealed)
        var refreshed = false
        if let provider = providers[request.provider] {
            let remaining = max(1, (expiresAt.microseconds - now().microseconds) / 1_000_000)
            let current = GrantRequest(requestID: id.rawValue, requesterIdentity: request.requesterIdentity, role: request.role,
                                       resourceScope: request.resourceScope, durationSeconds: remaining, metadata: request.metadata,
                                       notAfter: expiresAt)
            do {
                if let fresh = try await provider.refreshCredentials(current, current: credentials) {
                    credentials = fresh
                    refreshed = true
                }
            } catch {
                throw APIError.providerError("provider \(request.provider) could not issue fresh credentials: \(error.message); try again")
            }
        }
        let details: AuditDetails = refreshed ? ["refreshed": true] : [:]
        try await audit.append(AuditDraft(actor: caller.email, action: AuditAction.grantCredentialsRead, requestID: id.rawValue,
                                          provider: request.provider, resourceScope: request.resourceScope, details: details))
        return WireGrant(requestId: id.rawValue,
                         credentials: credentials.sorted { $0.key < $1.key }.map { .init(name: $0.key, value: $0.value) },
                         issuedAt: issuedAt.canonicalText, expiresAt: expiresAt.canonicalText)
    }

    /// Ends a request whose time ran out (an ACTIVE grant past expiry or a PENDING request past the TTL), audited by `system`.
    @discardableResult
    public func expire(_ id: RequestID, fence: Int64? = nil) async throws -> ElevationRequest {
        try await requests.transition(id, fence: fence) { locked, _ in
            let current = now()
            let due = locked.state == .active ? (locked.expiresAt.map { $0 <= current } ?? false) : locked.state == .pending
            guard due else { throw APIError.failedPrecondition("request \(id) is not due to expire") }
            var machine = RequestStateMachine(state: locked.state)
            let transition = try machine.apply(.expired)
            var next = locked
            next.state = transition.to
            let details: AuditDetails = locked.state == .active ? ["expires_at": .string(locked.expiresAt?.canonicalText ?? "")] : ["pending_ttl_exceeded": true]
            var change = RequestRepository.Change(
                request: next,
                audit: [AuditDraft(actor: "system", action: transition.auditAction, requestID: locked.id.rawValue, provider: locked.provider,
                                   resourceScope: locked.resourceScope, details: details)],
                revocation: transition.actions.contains(.queueRevocation(.expired)) ? .expired : nil
            )
            change.extraWrites = notify(Notice(event: transition.auditAction, title: "Request expired: \(locked.role)",
                                               text: "\(locked.requesterIdentity)'s \(locked.role) request ended by time.",
                                               requestID: locked.id.rawValue))
            return change
        }
    }

    // MARK: - Helpers

    /// nil when the approval policy lets `caller` take `action` on `request`; else why not. An evaluation error is
    /// a refusal that names it (fail closed).
    func approverRefusal(_ request: ElevationRequest, caller: Caller, action: String, approvals: [String]) async throws -> String? {
        let tier = try await principals.trustTier(of: caller.email)
        let requesterTier = try await principals.trustTier(of: request.requesterIdentity)
        let input = PolicyInput(action: action, userEmail: caller.email, userSubject: caller.subject, userGroups: caller.groups,
                                request: request, trustTier: tier, requesterTrustTier: requesterTier, approvals: approvals)
        switch policies.approver(input, now: nowNanos) {
        case .allow:
            return nil
        case .deny(let reason):
            return reason.isEmpty ? "the approval policy does not allow \(caller.email) to \(action) this request" : reason
        case .failed(let failure):
            logger.error("approval evaluation failed", metadata: ["policy.error": "\(failure)"])
            return "policy evaluation failed: \(failure)"
        }
    }

    func refuseApproval(_ request: ElevationRequest, by caller: Caller, details: AuditDetails) async throws {
        try await audit.append(AuditDraft(actor: caller.email, action: AuditAction.approvalRefused, requestID: request.id.rawValue,
                                          provider: request.provider, resourceScope: request.resourceScope, outcome: .failure,
                                          details: details))
    }
}
