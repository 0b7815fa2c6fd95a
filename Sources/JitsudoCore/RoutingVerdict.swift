/// How the approval policy routes a new request (`approver_tier`, `required_approvals`), evaluated once at
/// creation with the requester as `input.user`.
public enum RoutingVerdict: Sendable, Hashable {
    /// The tier (undefined or an unknown value is `human`) and the quorum (undefined is 1).
    case route(tier: ApproverTier, requiredApprovals: Int)
    /// A rule failed to evaluate, or `required_approvals` is not a whole number from 1 to 100: refuse.
    case failed(PolicyFailure)

    /// Routing when no approval policy is loaded (`policies.md` §5): a person, one approval.
    public static let noPolicy = RoutingVerdict.route(tier: .human, requiredApprovals: 1)
    /// The largest quorum a policy may ask for.
    public static let maximumApprovals = 100
}
