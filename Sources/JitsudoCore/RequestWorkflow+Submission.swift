extension RequestWorkflow {
    /// A new request (`draft`, PENDING, not stored yet): the eligibility verdict and, unless it is break-glass, the
    /// routing verdict decide whether it is stored and how it is routed. Break-glass and tier `auto` are approved
    /// in the same step, so the grant follows the one transaction that stores the request.
    ///
    /// A refusal carries the `request.not_eligible` audit event; `routing` nil counts as no approval policy.
    public static func submit(_ draft: ElevationRequest, eligibility: EligibilityVerdict, routing: RoutingVerdict?) -> Decision {
        if let refusal = ineligibility(draft, eligibility) ?? misrouting(draft, routing) {
            return .refused(
                WorkflowRefusal(
                    .permissionDenied, "not eligible: \(refusal)",
                    audit: AuditDraft(
                        actor: draft.requesterIdentity, action: AuditAction.requestNotEligible, provider: draft.provider,
                        resourceScope: draft.resourceScope, outcome: .failure,
                        details: [
                            "role": .string(draft.role), "duration_seconds": .int(draft.durationSeconds), "reason": .string(draft.reason),
                            "break_glass": .bool(draft.breakGlass), "policy_reason": .string(refusal),
                        ])))
        }
        var request = draft
        if !draft.breakGlass, case .route(let tier, let required) = routing ?? .noPolicy {
            request.approverTier = tier
            request.requiredApprovals = required
        }
        let requester = draft.requesterIdentity
        var effects: [WorkflowEffect] = [
            .audit(
                RequestWorkflow.draft(
                    request, requester, AuditAction.requestCreated,
                    [
                        "role": .string(request.role), "duration_seconds": .int(request.durationSeconds), "reason": .string(request.reason),
                        "break_glass": .bool(request.breakGlass), "approver_tier": .string(request.approverTier.rawValue),
                    ]))
        ]
        let duration = GrantDuration(uncheckedSeconds: request.durationSeconds).compact
        if request.breakGlass {
            guard let transition = try? step(&request, .breakGlass) else { return .refused(illegalStart(request)) }
            request.approverIdentity = "break-glass"
            request.approverComment = "break-glass invoked by \(requester)"
            effects += [
                .audit(
                    RequestWorkflow.draft(
                        request, requester, transition.auditAction,
                        ["comment": .string(request.approverComment ?? ""), "break_glass": true])),
                .notify(
                    Notice(
                        event: "break_glass.invoked", priority: .high, title: "BREAK-GLASS: \(requester) took \(request.role)",
                        text: "Break-glass access invoked by \(requester) for \(request.role) on \(request.provider) "
                            + "\(request.resourceScope) for \(duration). Reason: \(request.reason)",
                        requestID: request.id.rawValue,
                        fields: [
                            "requester": requester, "provider": request.provider, "role": request.role,
                            "scope": request.resourceScope, "duration": duration, "reason": request.reason,
                        ])),
                .issueGrant,
            ]
        } else if request.approverTier == .auto {
            guard let transition = try? step(&request, .autoApproved) else { return .refused(illegalStart(request)) }
            request.approverIdentity = "policy"
            request.approverComment = ""
            effects += [.audit(RequestWorkflow.draft(request, requester, transition.auditAction, ["approver_tier": "auto"])), .issueGrant]
        } else {
            let quorum = request.requiredApprovals > 1 ? " (\(request.requiredApprovals) approvals needed)" : ""
            effects.append(
                .notify(
                    Notice(
                        event: AuditAction.requestCreated, title: "Approval needed: \(request.role)",
                        text: "\(requester) asks for \(request.role) on \(request.provider) \(request.resourceScope) for \(duration)\(quorum). "
                            + "Reason: \(request.reason)",
                        requestID: request.id.rawValue,
                        fields: [
                            "requester": requester, "provider": request.provider, "role": request.role, "scope": request.resourceScope,
                            "duration": duration, "tier": request.approverTier.rawValue,
                        ])))
        }
        return .transition(request, effects)
    }

    /// Why the eligibility policy refuses `draft`, or nil.
    static func ineligibility(_ draft: ElevationRequest, _ verdict: EligibilityVerdict) -> String? {
        switch verdict {
        case .failed(let failure):
            return "policy evaluation failed: \(failure)"
        case .deny(let reason):
            return reason.isEmpty ? "no eligibility policy allows this request" : reason
        case .allow(let limits):
            if let limit = limits.maxDurationSeconds, limit < draft.durationSeconds {
                return "duration \(GrantDuration(uncheckedSeconds: draft.durationSeconds).compact) exceeds the policy maximum of "
                    + "\(GrantDuration(uncheckedSeconds: limit).compact)"
            }
            if draft.breakGlass, !limits.breakGlassAllowed {
                return "break-glass is not allowed for this request by the eligibility policy (break_glass_allowed)"
            }
            return nil
        }
    }

    /// Why routing refuses `draft` (an evaluation error), or nil; break-glass skips routing.
    static func misrouting(_ draft: ElevationRequest, _ verdict: RoutingVerdict?) -> String? {
        guard !draft.breakGlass, case .failed(let failure) = verdict else { return nil }
        return "policy evaluation failed: \(failure)"
    }

    /// A draft that is not PENDING cannot be submitted.
    static func illegalStart(_ request: ElevationRequest) -> WorkflowRefusal {
        WorkflowRefusal(.invalidArgument, "a new request must start PENDING, not \(request.state.rawValue)")
    }
}
