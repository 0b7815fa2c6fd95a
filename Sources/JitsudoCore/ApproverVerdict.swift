/// Whether the approval policy lets a person act on a request (`approval.allow`, `approval.reason`).
public enum ApproverVerdict: Sendable, Hashable {
    /// `allow` is exactly `true`.
    case allow
    /// `allow` is undefined or not `true`; `reason` is the policy's (`""` when it gives none).
    case deny(reason: String)
    /// `allow` failed to evaluate: refuse.
    case failed(PolicyFailure)
}
