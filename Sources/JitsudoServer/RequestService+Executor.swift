import JitsudoCore
import JitsudoProviders
import JitsudoStore
import Logging

extension RequestService {
    /// Decides `command` on the locked request and applies the decision in one transaction: the new state, its
    /// audit events first, approvals, the revocation job, outbox rows and credentials. A refusal that carries an
    /// audit event commits that event alone and is then thrown; any other refusal changes nothing. An
    /// ``WorkflowEffect/issueGrant`` effect is followed, after the commit, by the provider call.
    ///
    /// - Parameters:
    ///   - actor: who the grant that may follow is recorded for.
    ///   - issued: what the provider issued, for a command whose decision stores credentials.
    ///   - fence: the leadership epoch the write requires (leader-only work).
    ///   - snapshot: the request as this service last wrote it, if it knows: the decision is first tried on it, written
    ///     only while the row is unchanged (``RequestRepository/transition(_:fence:from:_:)``).
    ///
    /// Never inlined: inlined into ``issueGrant(_:actor:from:)`` (which calls it back), Swift 6.3.1's optimiser breaks the
    /// ownership of the stored request (CopyPropagation: "Found a leak due to a consuming post-dominance failure") and
    /// the release build crashes.
    @inline(never)
    func execute(
        _ id: RequestID, _ command: RequestWorkflow.Command, actor: String, issued: IssuedGrant? = nil, fence: Int64? = nil,
        from snapshot: RequestRepository.Snapshot? = nil
    ) async throws -> Executed {
        let sealed = try issued.map { try vault.seal($0.credentials) }
        var decision = RequestWorkflow.Decision.unchanged
        var approvalsRead: [Approval] = []
        var approvalRecorded = false
        // `decide` may run twice (on the snapshot, then under the lock): what it records is the last decision's.
        let stored = try await requests.transition(id, fence: fence, from: snapshot) { locked, approvals in
            approvalsRead = approvals
            approvalRecorded = false
            decision = RequestWorkflow.decide(command, on: .init(locked, approvers: approvals.map(\.approverIdentity)), at: now())
            switch decision {
            case .unchanged:
                return .unchanged(locked)
            case .refused(let refusal):
                guard let audit = refusal.audit else { throw refusal }
                var change = RequestRepository.Change.unchanged(locked)
                change.audit = [marked(audit)]
                return change
            case .transition(let next, let effects):
                var change = RequestRepository.Change(request: next, audit: [])
                apply(effects, to: &change, sealedCredentials: sealed)
                change.audit = change.audit.map(marked)
                approvalRecorded = change.approval != nil
                return change
            }
        }
        if case .refused(let refusal) = decision { throw refusal }
        // The approvals read are the stored ones unless this decision added one (whose stored time is the database's,
        // so it is read back for the response, and the grant that follows decides under the lock).
        let approvals = approvalRecorded ? nil : approvalsRead
        if decision.effects.contains(.issueGrant) {
            return try await issueGrant(stored.request, actor: actor, from: approvals.map { .init(stored: stored, approvals: $0) })
        }
        return Executed(request: stored.request, approvals: approvals)
    }

    /// Turns the in-transaction effects into the repository's change; provider calls are the executor's own.
    func apply(_ effects: [WorkflowEffect], to change: inout RequestRepository.Change, sealedCredentials: String? = nil) {
        for effect in effects {
            switch effect {
            case .audit(let draft): change.audit.append(draft)
            case .recordApproval(let approver, let comment):
                change.approval = Approval(approverIdentity: approver, comment: comment, createdAt: now())
            case .queueRevocation(let cause): change.revocation = cause
            case .notify(let notice): change.extraWrites += notify(notice)
            case .storeCredentials: change.credentialsJSON = sealedCredentials
            case .issueGrant, .extendAtProvider: continue
            }
        }
    }

    /// APPROVED → ACTIVE: calls the provider (outside any transaction), then records the grant. A provider failure
    /// is recorded (`grant.issue_failed`), leaves the request APPROVED and is thrown as ``ProviderFailure``.
    func issueGrant(_ request: ElevationRequest, actor: String, from snapshot: RequestRepository.Snapshot?) async throws -> Executed {
        guard let provider = providers[request.provider] else { throw ProviderFailure(provider: request.provider, "is not enabled on this server") }
        let issued: IssuedGrant
        do {
            issued = try await provider.grant(grantRequest(request))
        } catch {
            _ = try await execute(request.id, .grantFailed(actor: actor, message: error.message), actor: actor, from: snapshot)
            logger.warning("grant failed at provider", metadata: ["request.id": "\(request.id)", "provider": "\(request.provider)"])
            throw ProviderFailure(provider: request.provider, "failed to issue the grant: \(error.message); approve again to retry")
        }
        let active = try await execute(
            request.id, .grantIssued(actor: actor, durationSeconds: issued.durationSeconds, revokeToken: issued.revokeToken),
            actor: actor, issued: issued, from: snapshot)
        logger.info("grant issued", metadata: ["request.id": "\(request.id)", "provider": "\(request.provider)"])
        return active
    }

    /// What the provider is asked for `request`; `durationSeconds` and `notAfter` override the stored duration.
    func grantRequest(_ request: ElevationRequest, durationSeconds: Int64? = nil, notAfter: AuditTimestamp? = nil) -> GrantRequest {
        GrantRequest(
            requestID: request.id.rawValue, requesterIdentity: request.requesterIdentity, role: request.role,
            resourceScope: request.resourceScope, durationSeconds: durationSeconds ?? request.durationSeconds, metadata: request.metadata,
            notAfter: notAfter)
    }
}
