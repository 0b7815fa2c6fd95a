import JitsudoCore
import JitsudoStore
import JitsudoTesting
import Logging
import PostgresNIO
import Synchronization
import Testing

/// The replica's one LISTEN connection: each follower hears its own channel's payloads, "look again" (`nil`) when it
/// starts and after every reconnect, and the feed uses one backend for all its channels.
@Suite struct ChangeFeedTests {
    let logger = Logger(label: "change-feed-tests")

    /// What the followers heard, by channel, and a signal for every payload.
    final class Heard: Sendable {
        let payloads = Mutex<[String: [String?]]>([:])
        let changed = WakeSignal()

        func follower(_ channel: String) -> ChangeFeed.Follower {
            { payload in
                self.payloads.withLock { $0[channel, default: []].append(payload) }
                self.changed.signal()
            }
        }

        /// Waits until `done` holds for what was heard (each new payload looks again).
        func wait(until done: ([String: [String?]]) -> Bool) async {
            while !payloads.withLock({ done($0) }) { await changed.wait() }
        }
    }

    static func notify(_ test: TestDatabase, _ channel: String, _ payload: String) async throws {
        try await test.database.query(PostgresQueryText("SELECT pg_notify('\(channel)', '\(payload)')").query)
    }

    @Test(.timeLimit(.minutes(1))) func followersHearTheirOwnChannelOverOneConnectionAndLookAgainAfterAReconnect() async throws {
        try await withTestDatabase { test in
            let feed = ChangeFeed(url: test.url, channels: ["feed_a", "feed_b"], connectionID: 7, logger: logger)
            let heard = Heard()
            // Followers first, then the feed: each hears the connection's "look again" too.
            try await feed.following("feed_a", heard.follower("a")) {
                try await feed.following("feed_b", heard.follower("b")) {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { await feed.run() }
                        do {
                            // Both channels are listened to once each has heard "look again" from the connection (the
                            // first nil is the one `following` gives at once).
                            await heard.wait { $0["a"]?.count == 2 && $0["b"]?.count == 2 }
                            #expect(
                                try await count(
                                    test.database,
                                    "SELECT COUNT(*)::integer FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'"
                                ) == 1)
                            try await Self.notify(test, "feed_a", "one")
                            try await Self.notify(test, "feed_b", "two")
                            try await Self.notify(test, "feed_a", "three")
                            await heard.wait { $0["a"]?.last == "three" && $0["b"]?.last == "two" }
                            #expect(heard.payloads.withLock { $0 } == ["a": [nil, nil, "one", "three"], "b": [nil, nil, "two"]])
                            // The connection is lost: after the reconnect, both look again, then hear what comes next.
                            #expect(
                                try await count(
                                    test.database,
                                    """
                                    SELECT COUNT(*)::integer FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                                    WHERE datname = current_database() AND query LIKE 'LISTEN%') AS terminated
                                    """) == 1)
                            await heard.wait { $0["a"]?.count == 5 && $0["b"]?.count == 4 }
                            try await Self.notify(test, "feed_b", "four")
                            await heard.wait { $0["b"]?.last == "four" }
                            #expect(heard.payloads.withLock { $0 } == ["a": [nil, nil, "one", "three", nil], "b": [nil, nil, "two", nil, "four"]])
                        }
                        group.cancelAll()
                    }
                }
            }
        }
    }
}
