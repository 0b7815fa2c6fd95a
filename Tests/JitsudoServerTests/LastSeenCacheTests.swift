@testable import JitsudoServer
import Testing

/// The bounded staleness of `last_seen_at`: one write per identity per interval, with an injected clock.
@Suite struct LastSeenCacheTests {
    @Test func anIdentityIsWrittenOncePerInterval() {
        let cache = LastSeenCache(interval: .seconds(60), capacity: 10)
        let start = ContinuousClock.now
        #expect(cache.claim("alice@example.com", now: start))
        #expect(!cache.claim("alice@example.com", now: start + .seconds(59)))
        #expect(cache.claim("bob@example.com", now: start + .seconds(59)))
        #expect(cache.claim("alice@example.com", now: start + .seconds(60)))
        #expect(!cache.claim("alice@example.com", now: start + .seconds(61)))
    }

    @Test func aFailedWriteIsRetriedOnTheNextCall() {
        let cache = LastSeenCache(interval: .seconds(60), capacity: 10)
        let start = ContinuousClock.now
        #expect(cache.claim("alice@example.com", now: start))
        cache.forget("alice@example.com")
        #expect(cache.claim("alice@example.com", now: start + .seconds(1)))
    }

    @Test func aFullCacheDropsExpiredEntriesFirstAndNeverGrowsPastItsCapacity() {
        let cache = LastSeenCache(interval: .seconds(60), capacity: 3)
        let start = ContinuousClock.now
        #expect(cache.claim("a", now: start))
        #expect(cache.claim("b", now: start + .seconds(30)))
        #expect(cache.claim("c", now: start + .seconds(30)))
        // Full: "a" has expired and is dropped; "b" and "c" are still remembered.
        #expect(cache.claim("d", now: start + .seconds(61)))
        #expect(!cache.claim("b", now: start + .seconds(62)))
        #expect(cache.count == 3)
        // Full with nothing expired: everything is forgotten (each identity then writes once more).
        #expect(cache.claim("e", now: start + .seconds(62)))
        #expect(cache.count == 1)
        #expect(cache.claim("b", now: start + .seconds(63)))
    }
}
