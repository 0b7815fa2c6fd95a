/// What the eligibility policy says of a submission or an extension (`policies.md` §4 and Additions).
///
/// An allow carries its limits, so no limit can be dropped on the way to the decision; an evaluation error in
/// any decision rule is ``failed(_:)``, never an allow.
public enum EligibilityVerdict: Sendable, Hashable {
    /// `allow` is exactly `true`; the limits the same evaluation set.
    case allow(Limits)
    /// `allow` is undefined or not `true`; `reason` is the policy's (`""` when it gives none).
    case deny(reason: String)
    /// A decision rule failed to evaluate or broke the contract: refuse.
    case failed(PolicyFailure)

    /// The limits an allowing eligibility policy sets.
    public struct Limits: Sendable, Hashable {
        /// `max_duration_seconds`: nil when undefined (no limit from policy).
        public var maxDurationSeconds: Int64?
        /// `break_glass_allowed` is exactly `true`.
        public var breakGlassAllowed: Bool

        public init(maxDurationSeconds: Int64? = nil, breakGlassAllowed: Bool = false) {
            self.maxDurationSeconds = maxDurationSeconds
            self.breakGlassAllowed = breakGlassAllowed
        }
    }
}
