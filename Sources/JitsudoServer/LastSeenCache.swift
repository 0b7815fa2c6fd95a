import Synchronization

/// Which callers' `last_seen_at` this replica recorded recently, so an authenticated call writes to the database at
/// most once per `interval` per identity instead of on every call. `principals.last_seen_at` is therefore at most
/// `interval` (plus the store's own one-minute guard) behind a caller's latest call on this replica.
final class LastSeenCache: Sendable {
    let interval: Duration
    let capacity: Int
    private let recorded = Mutex<[String: ContinuousClock.Instant]>([:])

    /// - Parameters:
    ///   - interval: the bounded staleness of `last_seen_at`.
    ///   - capacity: identities remembered at most; when full, entries older than `interval` are dropped, and if
    ///     none are, everything is (the next call of each identity then writes once more).
    init(interval: Duration = .seconds(60), capacity: Int = 100_000) {
        self.interval = interval
        self.capacity = capacity
    }

    /// True when `identity` is due a write at `now` (and marks it written); false when one was made within `interval`.
    func claim(_ identity: String, now: ContinuousClock.Instant = .now) -> Bool {
        recorded.withLock { recorded in
            if let last = recorded[identity], now - last < interval { return false }
            recorded.makeRoom(capacity: capacity, droppingStale: { now - $0 >= interval })
            recorded[identity] = now
            return true
        }
    }

    /// Identities remembered now.
    var count: Int { recorded.withLock { $0.count } }

    /// Forgets `identity` (its write failed, so the next call tries again).
    func forget(_ identity: String) {
        _ = recorded.withLock { $0.removeValue(forKey: identity) }
    }
}
