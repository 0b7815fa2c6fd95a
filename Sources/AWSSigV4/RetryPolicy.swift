/// Exponential backoff with full jitter (the AWS Architecture Blog's "Exponential Backoff And Jitter"): attempt
/// `n` (from 1) waits a uniformly random time in `0…min(maximumDelay, baseDelay·2ⁿ⁻¹)`.
public struct RetryPolicy: Sendable, Hashable {
    /// Calls in all, the first included.
    public var maximumAttempts: Int
    public var baseDelay: Duration
    public var maximumDelay: Duration

    public init(maximumAttempts: Int = 4, baseDelay: Duration = .milliseconds(100), maximumDelay: Duration = .seconds(5)) {
        self.maximumAttempts = maximumAttempts
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }

    /// Whether another call may follow failed call number `attempt` (from 1) with `error`.
    public func shouldRetry(after attempt: Int, _ error: AWSError) -> Bool { error.isRetryable && attempt < maximumAttempts }

    /// The wait before the call after failed call `attempt`; `fraction` is a uniform random number in 0…1.
    public func delay(after attempt: Int, fraction: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let ceiling = min(maximumDelay, baseDelay * (1 << exponent))
        return ceiling * min(max(fraction, 0), 1)
    }
}
