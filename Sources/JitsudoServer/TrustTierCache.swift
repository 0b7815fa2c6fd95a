import Synchronization

/// The trust tiers this replica read recently, so a request does not ask PostgreSQL for its caller's tier (and an
/// approval for the requester's) on every call: automation taking credentials per job asks as the same identity many
/// times a second.
///
/// A tier held here is never older than `lifetime` (`trust_tier_cache_seconds`), and a change reaches it sooner:
/// - on this replica at once: the routes that set a tier forget it after their commit (``forget(_:)``);
/// - on the others within a notification's delivery: migration 14's trigger sends `NOTIFY jitsudo_principals` with the
///   identity whenever a tier changes, and ``TrustTierCacheService`` forgets it (everything when the change feed
///   (re)connects, since a notification may have been missed);
/// - if the feed is down, `lifetime` still bounds how long a lowered tier can be read as the old one.
///
/// A read that a change overtook is not kept: every forgetting moves ``State/generation`` on, and a tier read from the
/// database is stored only if no forgetting happened since the read began. So a tier read just before a change, and
/// returned just after its notification, cannot stay cached. A `lifetime` of zero turns the cache off.
public final class TrustTierCache: Sendable {
    public let lifetime: Duration
    public let capacity: Int
    private let state = Mutex(State())

    private struct State {
        var generation: UInt64 = 0
        var entries: [String: Entry] = [:]
    }

    private struct Entry {
        let tier: Int
        /// When the read that produced it began.
        let read: ContinuousClock.Instant
    }

    /// - Parameters:
    ///   - lifetime: the longest a tier is used after it was read; zero turns the cache off.
    ///   - capacity: identities held at most; when full, expired entries are dropped, and if none are, everything is.
    public init(lifetime: Duration, capacity: Int = 100_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The tier of `identity`: a fresh cached one, else `reading(identity)`, kept unless a change came meanwhile.
    func tier(of identity: String, now: ContinuousClock.Instant = .now, reading: (String) async throws -> Int) async throws -> Int {
        guard lifetime > .zero else { return try await reading(identity) }
        let cached: (tier: Int?, generation: UInt64) = state.withLock { state in
            if let entry = state.entries[identity], now - entry.read < lifetime { return (entry.tier, state.generation) }
            return (nil, state.generation)
        }
        if let tier = cached.tier { return tier }
        let tier = try await reading(identity)
        state.withLock { state in
            guard state.generation == cached.generation else { return }
            state.entries.makeRoom(capacity: capacity, droppingStale: { now - $0.read >= lifetime })
            state.entries[identity] = Entry(tier: tier, read: now)
        }
        return tier
    }

    /// Forgets the tier of `identity`, or every tier when nil (the change feed's "look at everything again").
    public func forget(_ identity: String?) {
        state.withLock { state in
            state.generation &+= 1
            if let identity { state.entries.removeValue(forKey: identity) } else { state.entries.removeAll(keepingCapacity: true) }
        }
    }

    /// Identities held now.
    var count: Int { state.withLock { $0.entries.count } }
}
