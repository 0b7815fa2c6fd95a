import Foundation
import JitsudoAPI
import JitsudoPolicy
import JitsudoStore
import Logging
import PostgresNIO

/// `/readyz`: the database answers, policies are loaded, migrations are current (`api.md` §8 and Additions), and the
/// replica is not draining for a shutdown.
struct HealthChecks: Sendable {
    let database: Database
    let policies: PolicyService
    let elector: LeaderElector?
    let drain: ShutdownDrain?

    func readiness() async -> Readiness {
        var checks: [String: String] = [:]
        var ready = true
        if drain?.isDraining == true {
            checks["shutdown"] = "draining: this replica is stopping"
            ready = false
        }
        do {
            let rows = try await withTimeout(.seconds(2)) { try await database.query("SELECT 1") }
            for try await _ in rows {}
            checks["db"] = "ok"
            if try await Migrator.isCurrent(database) {
                checks["migrations"] = "ok"
            } else {
                checks["migrations"] = "pending migrations; run 'jitsudod migrate'"
                ready = false
            }
        } catch {
            checks["db"] = "unreachable: \(error)"
            ready = false
        }
        if let problem = policies.problem {
            checks["policies"] = problem
            ready = false
        } else {
            checks["policies"] = "ok (\(policies.engine.policiesLoaded) loaded)"
        }
        var role = "standby"
        var epoch: Int64 = 0
        if case .leader(let held) = elector?.role {
            role = "leader"
            epoch = held
        }
        var heartbeatAge: Int64 = -1
        // Only with a reachable database, and bounded like the check above: /readyz must answer.
        let reachable = checks["db"] == "ok"
        if reachable, let status = try? await withTimeout(.seconds(2), { try await Leadership(database: database).status() }) {
            heartbeatAge = status.heartbeatAgeMilliseconds
            if role == "standby" { epoch = status.epoch }
            checks["leader"] = status.holder.isEmpty ? "none elected yet" : "\(status.holder) (epoch \(status.epoch))"
        }
        let listed = reachable ? try? await withTimeout(.seconds(2)) { try await ReplicaRegistry(database: database).list() } : nil
        let replicas = listed?.map {
            ReplicaReadiness(id: $0.id, address: $0.address, role: $0.role, epoch: $0.epoch, heartbeatAgeMs: $0.heartbeatAgeMilliseconds)
        }
        return Readiness(
            status: ready ? "ok" : "unavailable", role: role, epoch: epoch, heartbeatAgeMs: heartbeatAge, checks: checks,
            replicas: replicas)
    }
}

struct TimeoutError: Error, CustomStringConvertible {
    var description: String { "timed out" }
}

/// `body`'s result, or ``TimeoutError`` once `limit` has passed. Built on ``firstOf(timeout:_:)``: a task group would
/// wait for a query stuck on a dead connection to notice its cancellation, so the probe would not be bounded.
func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let outcome = await firstOf(timeout: limit) { () async -> Result<T, any Error> in
        do { return .success(try await body()) } catch { return .failure(error) }
    }
    guard let outcome else { throw TimeoutError() }
    return try outcome.get()
}
