/// Exponential backoff with jitter for failed notifications.
///
/// The delay after attempt *n* (1-based) is `min(maximumDelay, baseDelay × 2^(n-1))`, of which the last
/// `jitter` fraction is randomised: `delay × (1 - jitter) + random(0 … delay × jitter)`. With the default jitter
/// 0.5 the delay after attempt n+1 is never below the one after attempt n while the cap is not reached.
/// After ``maximumAttempts`` failures the dispatcher gives up on the row.
public struct RetryPolicy: Sendable, Equatable {
    /// The first delay. Default 5 s.
    public var baseDelay: Duration
    /// The largest delay. Default 30 min.
    public var maximumDelay: Duration
    /// Attempts before giving up (the row then stays failed and visible). Default 10.
    public var maximumAttempts: Int
    /// The randomised fraction of each delay, 0…1. Default 0.5.
    public var jitter: Double

    /// Creates a policy; see each property for its default.
    public init(baseDelay: Duration = .seconds(5), maximumDelay: Duration = .seconds(1800), maximumAttempts: Int = 10, jitter: Double = 0.5) {
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.maximumAttempts = maximumAttempts
        self.jitter = jitter
    }

    /// Throws a ``NotifyError`` naming the bad setting.
    public func validate() throws(NotifyError) {
        guard baseDelay > .zero else { throw NotifyError.invalid("notifications.retry.base_delay", "must be positive") }
        guard maximumDelay >= baseDelay else {
            throw NotifyError.invalid("notifications.retry.max_delay", "must be at least notifications.retry.base_delay")
        }
        guard maximumAttempts >= 1 else { throw NotifyError.invalid("notifications.retry.max_attempts", "must be at least 1") }
        guard jitter >= 0, jitter <= 1 else { throw NotifyError.invalid("notifications.retry.jitter", "must be between 0 and 1") }
    }

    /// The delay after failed attempt `attempt` (1-based). `random` returns a value in 0…1.
    public func delay(afterAttempt attempt: Int, random: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 40)
        let raw = min(maximumDelay.seconds, baseDelay.seconds * Double(1 << UInt64(exponent)))
        let clamped = min(max(random, 0), 1)
        let seconds = raw * (1 - jitter) + raw * jitter * clamped
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// Whether a row that has failed `attempt` times is given up.
    public func givesUp(afterAttempt attempt: Int) -> Bool { attempt >= maximumAttempts }
}
