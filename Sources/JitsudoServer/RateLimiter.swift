import Foundation
import Metrics
import Synchronization

/// The shared state of the rate limits of one replica: a token bucket table per limit, behind a lock.
/// `jitsudo_rate_limited_total{limit}` counts every 429; `jitsudo_authentication_failures_total` every 401.
final class RateLimiter: Sendable {
    enum Limit: String, Sendable {
        case identity
        case address
        case failedAuthentication = "failed_authentication"
    }

    private let tables: Mutex<[Limit: TokenBucketTable]>
    private let enabled: Set<Limit>
    private let clock: @Sendable () -> Double

    init(_ limits: AbuseLimits, clock: @escaping @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime }) {
        var tables: [Limit: TokenBucketTable] = [:]
        let rates: [(Limit, Int)] = [
            (.identity, limits.requestsPerMinutePerIdentity), (.address, limits.requestsPerMinutePerAddress),
            (.failedAuthentication, limits.failedAuthenticationsPerMinutePerAddress),
        ]
        for (limit, perMinute) in rates where perMinute > 0 {
            tables[limit] = TokenBucketTable(perMinute: perMinute, maxKeys: limits.maxTrackedKeys)
        }
        self.enabled = Set(tables.keys)
        self.tables = Mutex(tables)
        self.clock = clock
    }

    func isEnabled(_ limit: Limit) -> Bool { enabled.contains(limit) }

    /// Takes a token of `limit` for `key`; nil when allowed, else the whole seconds to wait (at least 1).
    func take(_ limit: Limit, _ key: String) -> Int? {
        guard enabled.contains(limit) else { return nil }
        let now = clock()
        return refused(limit, tables.withLock { $0[limit]?.take(key, now: now) })
    }

    /// Whether `key` may go on under `limit`, without taking a token.
    func check(_ limit: Limit, _ key: String) -> Int? {
        guard enabled.contains(limit) else { return nil }
        let now = clock()
        return refused(limit, tables.withLock { $0[limit]?.check(key, now: now) })
    }

    /// Records a failed authentication of `address`.
    func recordFailedAuthentication(_ address: String) {
        Counter(label: "jitsudo_authentication_failures_total").increment()
        guard enabled.contains(.failedAuthentication) else { return }
        let now = clock()
        _ = tables.withLock { $0[.failedAuthentication]?.take(address, now: now) }
    }

    private func refused(_ limit: Limit, _ wait: Double?) -> Int? {
        guard let wait else { return nil }
        Counter(label: "jitsudo_rate_limited_total", dimensions: [("limit", limit.rawValue)]).increment()
        return max(1, Int(wait.rounded(.up)))
    }
}
