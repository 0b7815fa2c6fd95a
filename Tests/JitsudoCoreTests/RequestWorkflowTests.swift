import JitsudoCore
import Testing

/// The pure workflow fed commands and snapshots: no database, no clock, no policy engine.
@Suite struct RequestWorkflowTests {
    static let t0 = AuditTimestamp(microsecondsSinceEpoch: 1_774_000_000_000_000)
    static let alice = RequestWorkflow.Actor("alice@example.com")
    static let bob = RequestWorkflow.Actor("bob@example.com")
    static let carol = RequestWorkflow.Actor("carol@example.com")
    static let admin = RequestWorkflow.Actor("root@example.com", isAdmin: true)

    static func draft(duration: Int64 = 3600, breakGlass: Bool = false) throws -> ElevationRequest {
        ElevationRequest(
            id: try RequestID(parsing: "req_01JQ0000000000000000000000"), requesterIdentity: alice.identity, provider: "mock",
            role: "admin", resourceScope: "acct-1", durationSeconds: duration, reason: "INC-1", breakGlass: breakGlass,
            createdAt: t0, updatedAt: t0)
    }

    static func stored(_ state: RequestState, required: Int = 1, tier: ApproverTier = .human) throws -> ElevationRequest {
        var request = try draft()
        request.state = state
        request.requiredApprovals = required
        request.approverTier = tier
        if state == .active {
            request.issuedAt = t0
            request.expiresAt = AuditTimestamp(microsecondsSinceEpoch: t0.microseconds + 3_600_000_000)
        }
        return request
    }

    static func audits(_ decision: RequestWorkflow.Decision) -> [String] {
        decision.effects.compactMap { if case .audit(let draft) = $0 { return draft.action } else { return nil } }
    }

    static func refusal(_ decision: RequestWorkflow.Decision) -> WorkflowRefusal? {
        if case .refused(let refusal) = decision { return refusal }
        return nil
    }

    // MARK: submission

    @Test func anEligibleRequestForAPersonIsStoredPendingWithItsRoutingAndApproversAreTold() throws {
        let decision = RequestWorkflow.submit(try Self.draft(), eligibility: .allow(.init()), routing: .route(tier: .human, requiredApprovals: 2))
        let request = try #require(decision.request)
        #expect(request.state == .pending && request.requiredApprovals == 2 && request.approverTier == .human)
        #expect(Self.audits(decision) == [AuditAction.requestCreated])
        #expect(decision.effects.contains { if case .notify(let notice) = $0 { notice.title == "Approval needed: admin" } else { false } })
        #expect(!decision.effects.contains(.issueGrant))
    }

    @Test func tierAutoAndBreakGlassAreApprovedInTheSameStepAndThenGranted() throws {
        let auto = RequestWorkflow.submit(try Self.draft(), eligibility: .allow(.init()), routing: .route(tier: .auto, requiredApprovals: 1))
        #expect(auto.request?.state == .approved && auto.request?.approverIdentity == "policy")
        #expect(Self.audits(auto) == [AuditAction.requestCreated, AuditAction.autoApproved])
        #expect(auto.effects.last == .issueGrant)
        let glass = RequestWorkflow.submit(try Self.draft(breakGlass: true), eligibility: .allow(.init(breakGlassAllowed: true)), routing: nil)
        #expect(glass.request?.state == .approved && glass.request?.approverIdentity == "break-glass")
        #expect(Self.audits(glass) == [AuditAction.requestCreated, AuditAction.requestApproved])
        #expect(glass.effects.contains { if case .notify(let notice) = $0 { notice.priority == .high } else { false } })
    }

    @Test(arguments: [
        (EligibilityVerdict.deny(reason: "only sre"), "not eligible: only sre"),
        (.deny(reason: ""), "not eligible: no eligibility policy allows this request"),
        (.failed(PolicyFailure(rule: "eligibility.allow", "boom")), "not eligible: policy evaluation failed: eligibility.allow: boom"),
        (.allow(.init(maxDurationSeconds: 1800)), "not eligible: duration 1h exceeds the policy maximum of 30m"),
    ])
    func anIneligibleSubmissionIsRefusedAndTheRefusalIsAudited(verdict: EligibilityVerdict, message: String) throws {
        let refusal = try #require(Self.refusal(RequestWorkflow.submit(try Self.draft(), eligibility: verdict, routing: .noPolicy)))
        #expect(refusal.code == .permissionDenied && refusal.message == message)
        #expect(refusal.audit?.action == AuditAction.requestNotEligible && refusal.audit?.outcome == .failure)
    }

    @Test func breakGlassNeedsThePolicyToAllowItAndRoutingErrorsRefuse() throws {
        let glass = RequestWorkflow.submit(try Self.draft(breakGlass: true), eligibility: .allow(.init()), routing: nil)
        #expect(Self.refusal(glass)?.message.contains("break_glass_allowed") == true)
        let failedRouting = RequestWorkflow.submit(
            try Self.draft(), eligibility: .allow(.init()),
            routing: .failed(PolicyFailure(rule: "approval.required_approvals", "must be …")))
        #expect(Self.refusal(failedRouting)?.message.hasPrefix("not eligible: policy evaluation failed: approval.required_approvals") == true)
    }

    // MARK: approval

    @Test func nobodyApprovesTheirOwnRequestWhateverThePolicySays() throws {
        let decision = RequestWorkflow.decide(
            .approve(by: Self.alice, comment: "", policy: .allow), on: .init(try Self.stored(.pending)), at: Self.t0)
        let refusal = try #require(Self.refusal(decision))
        #expect(refusal.code == .permissionDenied && refusal.audit?.action == AuditAction.approvalRefused)
        #expect(refusal.audit?.detailsJSON == #"{"self_approval":true}"#)
    }

    @Test func aQuorumNeedsDistinctApproversAndTheLastOneTriggersTheGrant() throws {
        let pending = try Self.stored(.pending, required: 2)
        let first = RequestWorkflow.decide(.approve(by: Self.bob, comment: "ok", policy: .allow), on: .init(pending), at: Self.t0)
        #expect(first.request?.state == .pending)
        #expect(first.effects.contains(.recordApproval(approver: Self.bob.identity, comment: "ok")) && !first.effects.contains(.issueGrant))
        let again = RequestWorkflow.decide(
            .approve(by: Self.bob, comment: "", policy: .allow), on: .init(pending, approvers: [Self.bob.identity]),
            at: Self.t0)
        #expect(Self.refusal(again)?.code == .failedPrecondition && Self.refusal(again)?.audit == nil)
        let second = RequestWorkflow.decide(
            .approve(by: Self.carol, comment: "", policy: .allow), on: .init(pending, approvers: [Self.bob.identity]),
            at: Self.t0)
        #expect(second.request?.state == .approved && second.request?.approverIdentity == Self.carol.identity)
        #expect(second.effects.last == .issueGrant)
    }

    @Test(arguments: [ApproverVerdict.deny(reason: ""), .deny(reason: "on-call only"), .failed(PolicyFailure(rule: "approval.allow", "x"))])
    func aPolicyThatDoesNotAllowTheApproverRefusesAndIsAudited(verdict: ApproverVerdict) throws {
        let decision = RequestWorkflow.decide(.approve(by: Self.bob, comment: "", policy: verdict), on: .init(try Self.stored(.pending)), at: Self.t0)
        let refusal = try #require(Self.refusal(decision))
        #expect(refusal.code == .permissionDenied && refusal.audit?.action == AuditAction.approvalRefused)
    }

    @Test func approvingAnApprovedRequestRetriesTheGrantAndFinalRequestsCannotBeApproved() throws {
        let retry = RequestWorkflow.decide(.approve(by: Self.bob, comment: "", policy: .allow), on: .init(try Self.stored(.approved)), at: Self.t0)
        #expect(retry.request?.state == .approved && retry.effects.last == .issueGrant)
        for state in [RequestState.active, .rejected, .expired, .revoked] {
            let decision = RequestWorkflow.decide(.approve(by: Self.bob, comment: "", policy: .allow), on: .init(try Self.stored(state)), at: Self.t0)
            #expect(Self.refusal(decision)?.code == .failedPrecondition, "\(state)")
        }
    }

    // MARK: deny, revoke, extend, expire

    @Test func theRequesterWithdrawsAndAdminsDenyWithoutThePolicyOthersNeedIt() throws {
        let pending = try Self.stored(.pending)
        let withdrawn = RequestWorkflow.decide(.deny(by: Self.alice, reason: "not needed", policy: nil), on: .init(pending), at: Self.t0)
        #expect(withdrawn.request?.state == .rejected)
        let byAdmin = RequestWorkflow.decide(.deny(by: Self.admin, reason: "no", policy: nil), on: .init(pending), at: Self.t0)
        #expect(byAdmin.request?.state == .rejected)
        let unchecked = RequestWorkflow.decide(.deny(by: Self.bob, reason: "no", policy: nil), on: .init(pending), at: Self.t0)
        #expect(Self.refusal(unchecked)?.code == .permissionDenied)
        let noReason = RequestWorkflow.decide(.deny(by: Self.alice, reason: "", policy: nil), on: .init(pending), at: Self.t0)
        #expect(Self.refusal(noReason)?.code == .invalidArgument)
    }

    @Test func revokingQueuesOneProviderRevocationAndAFinalRequestIsLeftAsItIs() throws {
        let revoked = RequestWorkflow.decide(.revoke(by: Self.alice, reason: "done"), on: .init(try Self.stored(.active)), at: Self.t0)
        #expect(revoked.request?.state == .revoked && revoked.effects.contains(.queueRevocation(.revoked)))
        #expect(RequestWorkflow.decide(.revoke(by: Self.admin, reason: ""), on: .init(try Self.stored(.expired)), at: Self.t0) == .unchanged)
        #expect(
            Self.refusal(RequestWorkflow.decide(.revoke(by: Self.bob, reason: ""), on: .init(try Self.stored(.active)), at: Self.t0))?.code
                == .permissionDenied)
    }

    @Test func anExtensionIsJudgedOnTheTotalAndMovesTheEndAfterTheProvider() throws {
        let active = try Self.stored(.active)
        #expect(RequestWorkflow.extendedDuration(of: active, adding: 1800) == 5400)
        let tooLong = RequestWorkflow.decide(
            .extend(
                by: Self.alice, addedSeconds: 1800, reason: "", eligibility: .allow(.init(maxDurationSeconds: 3600)),
                credentialsReissued: false), on: .init(active), at: Self.t0)
        #expect(Self.refusal(tooLong)?.audit?.action == AuditAction.requestNotEligible)
        let failed = RequestWorkflow.decide(
            .extend(
                by: Self.alice, addedSeconds: 1800, reason: "",
                eligibility: .failed(PolicyFailure(rule: "eligibility.max_duration_seconds", "x")),
                credentialsReissued: false), on: .init(active), at: Self.t0)
        #expect(Self.refusal(failed)?.message.hasPrefix("not eligible: policy evaluation failed") == true)
        let extended = RequestWorkflow.decide(
            .extend(
                by: Self.alice, addedSeconds: 1800, reason: "", eligibility: .allow(.init()),
                credentialsReissued: true), on: .init(active), at: Self.t0)
        let end = AuditTimestamp(microsecondsSinceEpoch: Self.t0.microseconds + 5_400_000_000)
        #expect(extended.request?.expiresAt == end && extended.request?.durationSeconds == 5400)
        #expect(extended.effects.first == .extendAtProvider(notAfter: end) && extended.effects.contains(.storeCredentials))
    }

    @Test func onlyDueRequestsExpireAndAnExpiredGrantIsRevokedAtTheProvider() throws {
        let active = try Self.stored(.active)
        let early = RequestWorkflow.decide(.expire, on: .init(active), at: Self.t0)
        #expect(Self.refusal(early)?.code == .failedPrecondition)
        let due = RequestWorkflow.decide(.expire, on: .init(active), at: try #require(active.expiresAt))
        #expect(due.request?.state == .expired && due.effects.contains(.queueRevocation(.expired)))
        let pending = RequestWorkflow.decide(.expire, on: .init(try Self.stored(.pending)), at: Self.t0)
        #expect(pending.request?.state == .expired && !pending.effects.contains(.queueRevocation(.expired)))
    }

    @Test func theAgentDecidesOnlyAIReviewRequestsAndAnEscalationGoesToAPerson() throws {
        let human = RequestWorkflow.decide(.agent(.approve, agent: "bot", reasoningJSON: "{}"), on: .init(try Self.stored(.pending)), at: Self.t0)
        #expect(Self.refusal(human)?.code == .failedPrecondition)
        let review = try Self.stored(.pending, tier: .aiReview)
        let escalated = RequestWorkflow.decide(.agent(.escalate, agent: "bot", reasoningJSON: #"{"why":1}"#), on: .init(review), at: Self.t0)
        #expect(escalated.request?.state == .pending && escalated.request?.approverTier == .human)
        let approved = RequestWorkflow.decide(.agent(.approve, agent: "bot", reasoningJSON: #"{"why":1}"#), on: .init(review), at: Self.t0)
        #expect(approved.request?.approverIdentity == "bot" && approved.effects.last == .issueGrant)
    }

    @Test func aGrantIsRecordedWithItsCredentialsOrItsFailureLeavesTheRequestApproved() throws {
        let approved = try Self.stored(.approved)
        let issued = RequestWorkflow.decide(
            .grantIssued(actor: "bob@example.com", durationSeconds: 600, revokeToken: "t"), on: .init(approved), at: Self.t0)
        #expect(issued.request?.state == .active && issued.request?.expiresAt?.microseconds == Self.t0.microseconds + 600_000_000)
        #expect(issued.effects.contains(.storeCredentials))
        let failed = RequestWorkflow.decide(.grantFailed(actor: "bob@example.com", message: "down"), on: .init(approved), at: Self.t0)
        #expect(failed.request?.state == .approved && Self.audits(failed) == [AuditAction.grantIssueFailed])
    }
}
