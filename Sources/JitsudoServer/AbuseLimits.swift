/// The abuse limits of `jitsudod` (`limits.*` in the configuration, docs/configuration.md). A rate of 0 turns
/// that limit off; `jitsudod dev` turns all rate limits off.
public struct AbuseLimits: Sendable, Hashable {
    /// Authenticated API calls per identity per minute (a burst may use a whole minute's allowance at once).
    public var requestsPerMinutePerIdentity = 1_200
    /// Calls per client address per minute, on every route but the probes (`/healthz`, `/readyz`, `/metrics`).
    public var requestsPerMinutePerAddress = 3_000
    /// Failed authentications (401) per client address per minute; when spent, the address gets 429 on the API.
    public var failedAuthenticationsPerMinutePerAddress = 60
    /// Policy evaluations and compilations in flight at once on one replica; more get 503 with Retry-After.
    public var maxConcurrentEvaluations = 32
    /// A request (head and body) must arrive within this many seconds of its first byte, and an idle keep-alive
    /// connection is closed after it: slow clients cannot hold connections open.
    public var requestReadTimeoutSeconds = 30
    /// Request header limits (bytes of all fields, and number of fields); larger heads are refused.
    public var maxHeaderBytes = 32 * 1_024
    public var maxHeaderCount = 100
    /// Distinct keys (identities, addresses) each rate table keeps; the least recently seen are dropped beyond it.
    public var maxTrackedKeys = 50_000

    public init() {}

    /// All rate limits off (development, and in-process test servers unless a test sets them).
    public static var ratesOff: AbuseLimits {
        var limits = AbuseLimits()
        limits.requestsPerMinutePerIdentity = 0
        limits.requestsPerMinutePerAddress = 0
        limits.failedAuthenticationsPerMinutePerAddress = 0
        return limits
    }
}
