import Synchronization
import Testing

@testable import JitsudoServer

/// A trust tier is reused only while fresh, never after it was forgotten, and never stored from a read a change
/// overtook.
@Suite struct TrustTierCacheTests {
    /// A stand-in for the principals table that counts its reads.
    final class Table: Sendable {
        let tiers = Mutex<[String: Int]>([:])
        let reads = Atomic<Int>(0)

        func read(_ identity: String) -> Int {
            reads.add(1, ordering: .relaxed)
            return tiers.withLock { $0[identity] ?? 0 }
        }

        func set(_ identity: String, _ tier: Int) { tiers.withLock { $0[identity] = tier } }
        var readCount: Int { reads.load(ordering: .relaxed) }
    }

    let start = ContinuousClock.now

    @Test func aFreshTierIsReusedAndAnExpiredOneReadAgain() async throws {
        let cache = TrustTierCache(lifetime: .seconds(5))
        let table = Table()
        table.set("alice", 3)
        #expect(try await cache.tier(of: "alice", now: start) { table.read($0) } == 3)
        table.set("alice", 1)
        #expect(try await cache.tier(of: "alice", now: start + .seconds(4)) { table.read($0) } == 3, "fresh: reused")
        #expect(table.readCount == 1)
        #expect(try await cache.tier(of: "alice", now: start + .seconds(5)) { table.read($0) } == 1, "expired: read again")
        #expect(table.readCount == 2)
    }

    @Test func aForgottenTierIsReadAgainAndForgettingAllClearsEveryone() async throws {
        let cache = TrustTierCache(lifetime: .seconds(60))
        let table = Table()
        table.set("alice", 4)
        table.set("bob", 2)
        _ = try await cache.tier(of: "alice", now: start) { table.read($0) }
        _ = try await cache.tier(of: "bob", now: start) { table.read($0) }
        table.set("alice", 0)
        table.set("bob", 0)
        cache.forget("alice")
        #expect(try await cache.tier(of: "alice", now: start) { table.read($0) } == 0)
        #expect(try await cache.tier(of: "bob", now: start) { table.read($0) } == 2, "only alice was forgotten")
        cache.forget(nil)
        #expect(try await cache.tier(of: "bob", now: start) { table.read($0) } == 0)
        #expect(table.readCount == 4)
    }

    /// The read began before the change and returned after its notification: it answers that call, but is not kept.
    @Test func aReadOvertakenByAChangeIsNotKept() async throws {
        let cache = TrustTierCache(lifetime: .seconds(60))
        let table = Table()
        table.set("alice", 4)
        let answered = try await cache.tier(of: "alice", now: start) { identity in
            let before = table.read(identity)
            table.set("alice", 0)
            cache.forget("alice")  // the change's notification arrives while the read is on its way back
            return before
        }
        #expect(answered == 4)
        #expect(try await cache.tier(of: "alice", now: start) { table.read($0) } == 0, "the overtaken read was not stored")
    }

    @Test func aZeroLifetimeReadsEveryTime() async throws {
        let cache = TrustTierCache(lifetime: .zero)
        let table = Table()
        for _ in 0..<3 { _ = try await cache.tier(of: "alice", now: start) { table.read($0) } }
        #expect(table.readCount == 3 && cache.count == 0)
    }

    @Test func aFullCacheDropsExpiredEntriesFirstThenEverything() async throws {
        let cache = TrustTierCache(lifetime: .seconds(10), capacity: 3)
        let table = Table()
        for name in ["a", "b"] { _ = try await cache.tier(of: name, now: start) { table.read($0) } }
        _ = try await cache.tier(of: "c", now: start + .seconds(8)) { table.read($0) }
        _ = try await cache.tier(of: "d", now: start + .seconds(12)) { table.read($0) }
        #expect(cache.count == 2, "a and b had expired: c and d remain")
        _ = try await cache.tier(of: "e", now: start + .seconds(12)) { table.read($0) }
        _ = try await cache.tier(of: "f", now: start + .seconds(12)) { table.read($0) }
        #expect(cache.count == 1, "full of fresh entries: everything dropped, then f kept")
    }

    @Test func aFailedReadIsNotCached() async throws {
        struct Down: Error {}
        let cache = TrustTierCache(lifetime: .seconds(60))
        await #expect(throws: Down.self) { try await cache.tier(of: "alice", now: start) { _ in throw Down() } }
        #expect(cache.count == 0)
    }
}
