/// Why the workflow refused a command. Nothing changes; a refusal that carries ``audit`` is recorded before the
/// caller hears of it (ineligible requests, self-approval, approver refusals), a plain state conflict is not.
public struct WorkflowRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The caller may not do this (policy, self-approval, not the requester).
        case permissionDenied
        /// The request is not in a state that allows it.
        case failedPrecondition
        /// The command itself is malformed (an empty reason, a duration out of bounds).
        case invalidArgument
    }

    public let code: Code
    /// What went wrong and what to do next; never a credential.
    public let message: String
    public let audit: AuditDraft?

    public init(_ code: Code, _ message: String, audit: AuditDraft? = nil) {
        self.code = code
        self.message = message
        self.audit = audit
    }

    public var description: String { message }
}
