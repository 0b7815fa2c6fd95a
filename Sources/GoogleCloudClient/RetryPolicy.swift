/// When and how long to wait before repeating a call: exponential backoff with full jitter (the delay is drawn
/// uniformly below the exponential bound, so many callers that failed together do not retry together).
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in total, the first included (1 means no retry).
    public var maximumAttempts: Int
    /// The bound of the first retry's delay; doubled for each further retry.
    public var baseDelay: Duration
    /// The largest bound.
    public var maximumDelay: Duration

    public init(maximumAttempts: Int = 5, baseDelay: Duration = .milliseconds(200), maximumDelay: Duration = .seconds(5)) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }

    /// Whether attempt number `attempt` (1-based) that just failed may be followed by another.
    public func allowsRetry(afterAttempt attempt: Int) -> Bool { attempt < maximumAttempts }

    /// The delay before the retry that follows failed attempt `attempt` (1-based); `jitter` in 0...1 picks the point
    /// below the bound (a parameter so the computation is pure).
    public func delay(afterAttempt attempt: Int, jitter: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let bound = min(baseDelay * (1 << exponent), maximumDelay)
        return bound * min(max(jitter, 0), 1)
    }
}
