/// A decision rule that could not be evaluated, or produced a value the contract forbids. Either way the
/// decision it fed is refused (fail closed); `message` is the engine's or the contract's words, for the audit
/// log and the server log, and names the rule.
public struct PolicyFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The rule, as `eligibility.max_duration_seconds`.
    public let rule: String
    public let message: String

    public init(rule: String, _ message: String) {
        self.rule = rule
        self.message = message
    }

    public var description: String { "\(rule): \(message)" }
}
