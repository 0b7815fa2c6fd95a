/// Work a ``RequestWorkflow`` decision asks its executor to carry out. Effects are values: the workflow performs
/// none of them.
///
/// Everything but the provider calls commits in ONE transaction with the request's new state, audit first in the
/// order given (write-ahead). ``issueGrant`` runs after that commit; ``extendAtProvider(notAfter:)`` runs before
/// the transaction, on the unlocked preflight decision, and the locked decision then records its outcome.
public enum WorkflowEffect: Sendable, Hashable {
    /// Append this audit event.
    case audit(AuditDraft)
    /// Record `approver`'s approval with `comment`.
    case recordApproval(approver: String, comment: String)
    /// Insert the durable provider-revocation job (at most one per request).
    case queueRevocation(RequestStateMachine.RevocationCause)
    /// Queue a notification in the outbox.
    case notify(Notice)
    /// Seal and store the credentials the provider just issued.
    case storeCredentials
    /// After commit: call the provider's grant; its answer is the next command (`grantIssued` or `grantFailed`).
    case issueGrant
    /// Before commit: ask the provider to move the grant's end to `notAfter`.
    case extendAtProvider(notAfter: AuditTimestamp)
}
