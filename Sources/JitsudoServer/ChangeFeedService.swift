import JitsudoStore
import ServiceLifecycle

/// Runs the replica's ``ChangeFeed`` (its one LISTEN connection) until a graceful shutdown.
struct ChangeFeedService: Service {
    let feed: ChangeFeed

    func run() async throws {
        await cancelWhenGracefulShutdown { await feed.run() }
    }
}
