import JitsudoCore
import JitsudoStore
import ServiceLifecycle

/// Keeps a replica's ``TrustTierCache`` in step with the database: forgets each identity `NOTIFY jitsudo_principals`
/// names, and everything whenever the change feed (re)connects or a payload is empty (an identity too long for one).
/// Runs until a graceful shutdown.
struct TrustTierCacheService: Service {
    static let channel = "jitsudo_principals"

    let changes: ChangeFeed
    let cache: TrustTierCache

    func run() async throws {
        let cache = cache
        await cancelWhenGracefulShutdown {
            await changes.waking(on: Self.channel, noting: { identity in cache.forget(identity?.isEmpty == false ? identity : nil) }) { wake in
                while !Task.isCancelled { await wake.wait() }
            }
        }
    }
}
