import Foundation
import JitsudoStore
import Logging
import ServiceLifecycle

/// Writes this replica's role and epoch to the `replicas` table every second, so every replica's `/readyz` (and
/// with it `jitsudo server status`) lists all of them; removes the row on a graceful stop.
struct ReplicaReporter: Service {
    let registry: ReplicaRegistry
    let elector: LeaderElector
    let address: String
    let interval: Duration
    let logger: Logger

    func run() async throws {
        var failing = false
        while !Task.isCancelledOrShuttingDown {
            var epoch: Int64 = 0
            var leader = false
            if case .leader(let held) = elector.role {
                epoch = held
                leader = true
            }
            do {
                try await registry.report(id: elector.replicaID, address: address, leader: leader, epoch: epoch)
                failing = false
            } catch {
                // Before migrations or while the database restarts; say it once, keep trying.
                if !failing { logger.warning("replica report failed; retrying", metadata: ["error": "\(Database.describe(error))"]) }
                failing = true
            }
            try? await Task.sleep(for: interval)
        }
        if Task.isShuttingDownGracefully {
            try? await registry.remove(id: elector.replicaID)
        }
    }
}
