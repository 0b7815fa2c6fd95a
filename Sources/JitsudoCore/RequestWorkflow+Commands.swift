extension RequestWorkflow {
    static func approve(_ snapshot: Snapshot, by actor: Actor, comment: String, policy: ApproverVerdict) throws(WorkflowRefusal) -> Decision {
        let request = snapshot.request
        let id = request.id
        guard request.requesterIdentity != actor.identity else {
            throw WorkflowRefusal(
                .permissionDenied, "you cannot approve your own request \(id); ask another approver",
                audit: draft(request, actor.identity, AuditAction.approvalRefused, outcome: .failure, ["self_approval": true]))
        }
        guard request.state == .pending || request.state == .approved else {
            throw WorkflowRefusal(.failedPrecondition, "request \(id) is \(request.state.rawValue); only PENDING requests can be approved")
        }
        if let refusal = approverRefusal(policy, request, by: actor, action: "approve") { throw refusal }
        var next = request
        if request.state == .approved {
            // A grant failed earlier: approving again retries it.
            let transition = try step(&next, .grantRetried)
            return .transition(
                next,
                [
                    .audit(draft(next, actor.identity, transition.auditAction, ["comment": .string(comment), "retry": true])),
                    .issueGrant,
                ])
        }
        guard !snapshot.approvers.contains(actor.identity) else {
            throw WorkflowRefusal(.failedPrecondition, "you already approved request \(id); it needs \(request.requiredApprovals) distinct approvers")
        }
        let approvals = snapshot.approvers.count + 1
        let transition = try step(&next, .approvalRecorded(approvals: approvals, required: request.requiredApprovals))
        if next.state == .approved {
            next.approverIdentity = actor.identity
            next.approverComment = comment
        }
        let details: AuditDetails = [
            "comment": .string(comment), "approvals": .int(Int64(approvals)),
            "required_approvals": .int(Int64(request.requiredApprovals)),
        ]
        var effects: [WorkflowEffect] = [
            .audit(draft(next, actor.identity, transition.auditAction, details)),
            .recordApproval(approver: actor.identity, comment: comment),
        ]
        if next.state == .approved { effects.append(.issueGrant) }
        return .transition(next, effects)
    }

    static func deny(_ snapshot: Snapshot, by actor: Actor, reason: String, policy: ApproverVerdict?) throws(WorkflowRefusal) -> Decision {
        let request = snapshot.request
        guard !reason.isEmpty else { throw WorkflowRefusal(.invalidArgument, "reason is required to deny a request") }
        let withdrawn = request.requesterIdentity == actor.identity
        if !withdrawn, !actor.isAdmin, let refusal = approverRefusal(policy, request, by: actor, action: "deny", extra: ["deny": true]) {
            throw refusal
        }
        var next = request
        let transition: RequestStateMachine.Transition
        do { transition = try step(&next, .denied) } catch {
            throw WorkflowRefusal(.failedPrecondition, "request \(request.id) is \(request.state.rawValue); only PENDING requests can be denied")
        }
        next.approverIdentity = actor.identity
        next.approverComment = reason
        return .transition(
            next,
            [
                .audit(draft(next, actor.identity, transition.auditAction, ["reason": .string(reason), "withdrawn": .bool(withdrawn)])),
                .notify(
                    Notice(
                        event: AuditAction.requestDenied, title: "Request denied: \(request.role)",
                        text: "\(actor.identity) denied \(request.requesterIdentity)'s request for \(request.role): \(reason)",
                        requestID: request.id.rawValue)),
            ])
    }

    static func revoke(_ request: ElevationRequest, by actor: Actor, reason: String) throws(WorkflowRefusal) -> Decision {
        guard request.requesterIdentity == actor.identity || actor.isAdmin else {
            throw WorkflowRefusal(.permissionDenied, "only the requester or an admin can revoke request \(request.id)")
        }
        if request.state.isTerminal { return .unchanged }
        var next = request
        let transition = try step(&next, .revoked)
        next.revokedBy = actor.identity
        next.revokeReason = reason
        return .transition(
            next,
            [
                .audit(draft(next, actor.identity, transition.auditAction, ["reason": .string(reason)])),
                .queueRevocation(.revoked),
                .notify(
                    Notice(
                        event: AuditAction.grantRevoked, title: "Access revoked: \(request.role)",
                        text: "\(actor.identity) revoked \(request.requesterIdentity)'s \(request.role) grant. \(reason)",
                        requestID: request.id.rawValue)),
            ])
    }

    static func extend(
        _ request: ElevationRequest, by actor: Actor, adding added: Int64, reason: String, eligibility: EligibilityVerdict,
        reissued: Bool
    ) throws(WorkflowRefusal) -> Decision {
        guard added > 0, added <= maximumExtensionSeconds else {
            throw WorkflowRefusal(.invalidArgument, "duration_seconds must be between 1 and \(maximumExtensionSeconds)")
        }
        guard request.requesterIdentity == actor.identity || actor.isAdmin else {
            throw WorkflowRefusal(.permissionDenied, "only the requester or an admin can extend request \(request.id)")
        }
        guard request.state == .active, let expiresAt = request.expiresAt, let total = extendedDuration(of: request, adding: added) else {
            throw WorkflowRefusal(.failedPrecondition, "request \(request.id) is \(request.state.rawValue); only ACTIVE grants can be extended")
        }
        let refusal: String?
        switch eligibility {
        case .failed(let failure): refusal = "policy evaluation failed: \(failure)"
        case .deny(let text): refusal = text.isEmpty ? "no eligibility policy allows this duration" : text
        case .allow(let limits):
            refusal = limits.maxDurationSeconds.map { $0 < total } == true ? "the total duration exceeds the policy maximum" : nil
        }
        if let refusal {
            throw WorkflowRefusal(
                .permissionDenied, "not eligible: \(refusal)",
                audit: draft(
                    request, actor.identity, AuditAction.requestNotEligible, outcome: .failure,
                    ["extend_seconds": .int(added), "policy_reason": .string(refusal)]))
        }
        var next = request
        let transition = try step(&next, .extended)
        let newExpiry = AuditTimestamp(microsecondsSinceEpoch: expiresAt.microseconds + added * 1_000_000)
        next.durationSeconds = total
        next.expiresAt = newExpiry
        let details: AuditDetails = [
            "added_seconds": .int(added), "expires_at": .string(newExpiry.canonicalText), "reason": .string(reason),
            "credentials_reissued": .bool(reissued),
        ]
        var effects: [WorkflowEffect] = [
            .extendAtProvider(notAfter: newExpiry), .audit(draft(next, actor.identity, transition.auditAction, details)),
        ]
        if reissued { effects.append(.storeCredentials) }
        return .transition(next, effects)
    }

    static func expire(_ request: ElevationRequest, at now: AuditTimestamp) throws(WorkflowRefusal) -> Decision {
        let due = request.state == .active ? (request.expiresAt.map { $0 <= now } ?? false) : request.state == .pending
        guard due else { throw WorkflowRefusal(.failedPrecondition, "request \(request.id) is not due to expire") }
        var next = request
        let transition = try step(&next, .expired)
        let details: AuditDetails =
            request.state == .active
            ? ["expires_at": .string(request.expiresAt?.canonicalText ?? "")] : ["pending_ttl_exceeded": true]
        var effects: [WorkflowEffect] = [.audit(draft(next, Actor.system.identity, transition.auditAction, details))]
        if transition.actions.contains(.queueRevocation(.expired)) { effects.append(.queueRevocation(.expired)) }
        effects.append(
            .notify(
                Notice(
                    event: transition.auditAction, title: "Request expired: \(request.role)",
                    text: "\(request.requesterIdentity)'s \(request.role) request ended by time.", requestID: request.id.rawValue)))
        return .transition(next, effects)
    }

    static func decideAsAgent(_ request: ElevationRequest, _ choice: AgentChoice, agent: String, reasoningJSON: String) throws(WorkflowRefusal)
        -> Decision
    {
        guard request.state == .pending else {
            throw WorkflowRefusal(.failedPrecondition, "request \(request.id) is \(request.state.rawValue); only PENDING requests can be decided")
        }
        guard request.approverTier == .aiReview else {
            throw WorkflowRefusal(
                .failedPrecondition,
                "request \(request.id) is routed to tier \(request.approverTier.rawValue); "
                    + "the automated approver decides only ai_review requests")
        }
        var next = request
        let event: RequestStateMachine.Event = choice == .approve ? .aiApproved : choice == .deny ? .aiDenied : .aiEscalated
        let transition = try step(&next, event)
        next.aiReasoningJSON = reasoningJSON
        if choice == .escalate { next.approverTier = .human } else { next.approverIdentity = agent }
        var audit = draft(next, agent, transition.auditAction)
        audit.detailsJSON = reasoningJSON
        audit.detailsVerbatim = true
        guard choice != .approve else { return .transition(next, [.audit(audit), .issueGrant]) }
        let title = choice == .deny ? "Request denied by the automated approver: \(request.role)" : "Request needs a human approver: \(request.role)"
        return .transition(
            next,
            [
                .audit(audit),
                .notify(
                    Notice(
                        event: transition.auditAction, title: title,
                        text:
                            "\(agent) chose to \(choice.rawValue) \(request.requesterIdentity)'s request for \(request.role) on \(request.provider) "
                            + "\(request.resourceScope)", requestID: request.id.rawValue)),
            ])
    }

    static func grantIssued(_ request: ElevationRequest, actor: String, durationSeconds: Int64, revokeToken: String, at now: AuditTimestamp)
        throws(WorkflowRefusal) -> Decision
    {
        var next = request
        let transition = try step(&next, .grantIssued)
        let expiresAt = AuditTimestamp(microsecondsSinceEpoch: now.microseconds + durationSeconds * 1_000_000)
        next.issuedAt = now
        next.expiresAt = expiresAt
        next.revokeToken = revokeToken
        return .transition(
            next,
            [
                .audit(
                    draft(
                        next, actor, transition.auditAction,
                        ["issued_at": .string(now.canonicalText), "expires_at": .string(expiresAt.canonicalText)])),
                .storeCredentials,
                .notify(
                    Notice(
                        event: AuditAction.grantIssued, title: "Access granted: \(request.role)",
                        text: "\(request.requesterIdentity) now holds \(request.role) on \(request.provider) \(request.resourceScope) "
                            + "until \(expiresAt.canonicalText)", requestID: request.id.rawValue,
                        fields: ["requester": request.requesterIdentity, "role": request.role, "expires_at": expiresAt.canonicalText])),
            ])
    }
}
