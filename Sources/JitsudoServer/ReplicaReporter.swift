import Foundation
import JitsudoCore
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
    /// Paces the reports; the bound on one report that does not answer stays on the real clock.
    let clock: AnyClock
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
            let (registry, id, address, isLeader, heldEpoch) = (registry, elector.replicaID, address, leader, epoch)
            // Bounded: with the database down a pool lease waits without end, and the loop must still see a shutdown.
            let outcome = await firstOf(timeout: interval * 2) { () -> String? in
                do {
                    try await registry.report(id: id, address: address, leader: isLeader, epoch: heldEpoch)
                    return nil
                } catch {
                    return Database.describe(error)
                }
            }
            if let problem = outcome ?? "no answer within \(interval * 2)" {
                // While the database restarts; say it once, keep trying.
                if !failing { logger.warning("replica report failed; retrying", metadata: ["error": "\(problem)"]) }
                failing = true
            } else {
                failing = false
            }
            try? await cancelWhenGracefulShutdown { try await clock.sleep(for: interval) }
        }
        if Task.isShuttingDownGracefully {
            let (registry, id) = (registry, elector.replicaID)
            _ = await firstOf(timeout: .milliseconds(500)) { try? await registry.remove(id: id) }
        }
    }
}
