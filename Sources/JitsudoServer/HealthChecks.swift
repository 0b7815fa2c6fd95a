import Foundation
import JitsudoAPI
import JitsudoPolicy
import JitsudoStore
import Logging
import PostgresNIO

/// `/readyz`: the database answers, policies are loaded, migrations are current (`api.md` §8 and Additions).
struct HealthChecks: Sendable {
    let database: Database
    let policies: PolicyService
    let elector: LeaderElector?

    func readiness() async -> Readiness {
        var checks: [String: String] = [:]
        var ready = true
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
        if let status = try? await Leadership(database: database).status() {
            heartbeatAge = status.heartbeatAgeMilliseconds
            if role == "standby" { epoch = status.epoch }
            checks["leader"] = status.holder.isEmpty ? "none elected yet" : "\(status.holder) (epoch \(status.epoch))"
        }
        let replicas = try? await ReplicaRegistry(database: database).list().map {
            ReplicaReadiness(id: $0.id, address: $0.address, role: $0.role, epoch: $0.epoch, heartbeatAgeMs: $0.heartbeatAgeMilliseconds)
        }
        return Readiness(status: ready ? "ok" : "unavailable", role: role, epoch: epoch, heartbeatAgeMs: heartbeatAge, checks: checks,
                         replicas: replicas)
    }
}

struct TimeoutError: Error, CustomStringConvertible {
    var description: String { "timed out" }
}

func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TimeoutError()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw TimeoutError() }
        return first
    }
}
