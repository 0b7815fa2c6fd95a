import Foundation
import JitsudoCore
import JitsudoStore
import PostgresNIO

/// A new PENDING request of `requester`, with its `request.created` audit draft.
func newRequest(requester: String = "alice@example.com", provider: String = "mock", role: String = "admin") -> (ElevationRequest, AuditDraft) {
    var generator = SystemRandomNumberGenerator()
    let id = RequestID.generate(milliseconds: UInt64.random(in: 1_700_000_000_000...1_800_000_000_000), using: &generator)
    let now = AuditTimestamp(microsecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000_000))
    let request = ElevationRequest(
        id: id, requesterIdentity: requester, provider: provider, role: role, resourceScope: "test-scope", durationSeconds: 3600,
        reason: "INC-1", createdAt: now, updatedAt: now
    )
    let draft = AuditDraft(
        actor: requester, action: AuditAction.requestCreated, requestID: id.rawValue, provider: provider, resourceScope: "test-scope",
        details: ["role": .string(role), "duration_seconds": 3600, "reason": "INC-1", "break_glass": false, "approver_tier": "human"]
    )
    return (request, draft)
}

/// The change a human approval makes, decided by the state machine from the locked row.
func approve(by approver: String) -> @Sendable (ElevationRequest, [Approval]) throws -> RequestRepository.Change {
    { locked, approvals in
        var machine = RequestStateMachine(state: locked.state)
        let transition = try machine.apply(.approvalRecorded(approvals: approvals.count + 1, required: locked.requiredApprovals))
        var updated = locked
        updated.state = transition.to
        updated.approverIdentity = approver
        return RequestRepository.Change(
            request: updated,
            audit: [
                AuditDraft(
                    actor: approver, action: transition.auditAction, requestID: locked.id.rawValue, provider: locked.provider,
                    resourceScope: locked.resourceScope, details: ["comment": "ok"])
            ],
            approval: Approval(approverIdentity: approver, comment: "ok", createdAt: locked.createdAt)
        )
    }
}

func count(_ database: Database, _ sql: String) async throws -> Int {
    let rows = try await database.query(PostgresQueryText(sql).query)
    for try await value in rows.decode(Int.self) { return value }
    return -1
}
