import Foundation

/// When to send an Azure call again: 429 after `Retry-After` (capped), 5xx and transport failures with exponential
/// backoff, nothing else. Pure: the client asks, then sleeps.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included.
    public var maximumAttempts = 4
    /// The first backoff; each further one doubles, up to ``maximumBackoff``.
    public var initialBackoff: Duration = .milliseconds(500)
    public var maximumBackoff: Duration = .seconds(8)
    /// The longest `Retry-After` honoured; a longer one ends the call (throttled) instead of holding it.
    public var maximumRetryAfter: Duration = .seconds(30)

    public init() {}

    /// What happened on one attempt.
    public enum Outcome: Sendable, Hashable {
        case status(Int, retryAfter: String?)
        case transportFailure
    }

    /// The wait before attempt `attempt + 1` after `outcome` on attempt `attempt` (1-based), or nil to stop.
    public func delay(after outcome: Outcome, attempt: Int) -> Duration? {
        guard attempt < maximumAttempts else { return nil }
        switch outcome {
        case .status(429, let retryAfter):
            guard let retryAfter else { return backoff(attempt: attempt) }
            guard let seconds = Self.seconds(retryAfter: retryAfter) else { return backoff(attempt: attempt) }
            let wait = Duration.seconds(seconds)
            return wait <= maximumRetryAfter ? wait : nil
        case .status(let status, _) where (500...599).contains(status):
            return backoff(attempt: attempt)
        case .status:
            return nil
        case .transportFailure:
            return backoff(attempt: attempt)
        }
    }

    /// `initialBackoff · 2^(attempt-1)`, capped.
    func backoff(attempt: Int) -> Duration {
        var wait = initialBackoff
        for _ in 1..<max(attempt, 1) where wait < maximumBackoff { wait *= 2 }
        return min(wait, maximumBackoff)
    }

    /// `Retry-After` in seconds (ARM sends delta-seconds); nil when it is not a non-negative whole number.
    static func seconds(retryAfter: String) -> Int64? {
        guard let value = Int64(retryAfter.trimmingCharacters(in: .whitespaces)), value >= 0 else { return nil }
        return value
    }
}
