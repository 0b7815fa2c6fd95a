public import JitsudoCore
public import JitsudoStore

/// A request as the workflow reports it: the core's request, the approvals recorded so far (its progress towards
/// ``JitsudoCore/ElevationRequest/requiredApprovals``), and, for a grant that ended, whether its revocation at the
/// provider is still pending. The HTTP edge turns it into the API's `WireRequest`; the console, Slack and MCP read it.
public struct RequestRecord: Sendable {
    public var request: ElevationRequest
    public var approvals: [Approval]
    /// The queued revocation of a REVOKED or EXPIRED grant; nil when none was queued.
    public var revocation: Revocation?

    /// The state of a grant's revocation at its provider.
    public struct Revocation: Sendable, Hashable {
        /// The provider has not confirmed the revocation yet (it is retried).
        public var pending: Bool
        /// The provider's last refusal; empty when none.
        public var lastError: String

        public init(pending: Bool, lastError: String) {
            self.pending = pending
            self.lastError = lastError
        }
    }

    public init(request: ElevationRequest, approvals: [Approval], revocation: Revocation? = nil) {
        self.request = request
        self.approvals = approvals
        self.revocation = revocation
    }

    public var id: RequestID { request.id }
    public var state: RequestState { request.state }
    /// Whether `identity` already approved.
    public func isApproved(by identity: String) -> Bool { approvals.contains { $0.approverIdentity == identity } }
}
