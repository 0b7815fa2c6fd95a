import Foundation
import JitsudoStore
import KubernetesClient
import Logging
import OperatorCore

/// The thin executor of the RestoreStateMachine for one JitsudoRestore: observes the Deployment, the pods, the
/// restore work and the databases, performs the one step, writes `status` (phase, progress, conditions,
/// observedGeneration) through /status, and records the Event.
struct RestoreExecutor: Sendable {
    let client: KubernetesClient
    let namespace: String
    let recorder: Recorder
    let works: RestoreWorks
    let backupRoot: String?
    let logger: Logger

    static func phase(of restore: GenericResource) -> RestoreStateMachine.Phase {
        restore.status?["phase"]?.stringValue.flatMap(RestoreStateMachine.Phase.init(rawValue:)) ?? .pending
    }

    func reconcile(_ restore: GenericResource, all: [GenericResource], clusters: [GenericResource]) async throws -> TimeInterval? {
        let now = Date()
        let name = restore.metadata.name ?? ""
        let uid = restore.metadata.uid ?? name
        let createdAt = restore.metadata.creationTimestamp ?? now
        let generation = restore.metadata.generation ?? 1
        let previous = (try? restore.status?["conditions"]?.decode(as: [OperatorCore.Condition].self)) ?? []
        var status = RestoreStateMachine.Status()
        if restore.status?["phase"] != nil, let decoded = try? (restore.status ?? .null).decode(as: RestoreStateMachine.Status.self) {
            status = decoded
        }
        let spec: RestoreSpec
        do {
            spec = try (restore.spec ?? .null).decode(as: RestoreSpec.self)
        } catch {
            guard status.phase != .failed else { return nil }
            status.failedPhase = status.phase
            status.phase = .failed
            status.message = "spec cannot be read (\(error)); create the JitsudoRestore again with a valid spec"
            let health = ConditionSummary(.degraded, reason: "InvalidSpec", message: status.message ?? "")
            try await write(restore, status, health: health, previous: previous, generation: generation, now: now)
            await recorder.record(ReconcileEvent(.warning, reason: "InvalidSpec", message: status.message ?? ""), on: restore, kind: "JitsudoRestore")
            return nil
        }
        let terminal = status.phase == .completed || (status.phase == .failed && status.replicasRestored == true)
        if terminal, restore.status?["observedGeneration"] != nil { return nil }

        let clusterName = spec.clusterName ?? "jitsudod"
        let clusterReplicas = clusters.first { $0.metadata.name == clusterName }.map { cluster in
            ((try? (cluster.spec ?? .null).decode(as: ClusterSpec.self))?.replicas) ?? 2
        }
        let deployment = try await client.getIfPresent(Deployment.self, name: DesiredResources.name, namespace: namespace, in: .deployments)
        let pods = try await client.list(Pod.self, namespace: namespace, options: .labels(DesiredResources.podLabels)).items
        let others = all.filter { $0.metadata.uid != restore.metadata.uid }.map {
            RestoreStateMachine.OtherRestore(name: $0.metadata.name ?? "", createdAt: $0.metadata.creationTimestamp ?? now, phase: Self.phase(of: $0))
        }
        let plan = try? spec.resolved(createdAt: createdAt)
        var admin: PostgresAdmin?
        var sourceURL: String?
        var databases: Set<String> = []
        if let plan, !terminal, status.phase != .pending {
            admin = try await self.admin(plan)
            if case .pgDump(_, let secretName, let key) = plan.source {
                sourceURL = try await secretValue(secretName, key)
            }
            if status.phase == .swapping, let admin { databases = try await admin.databases() }
        }
        let observation = RestoreStateMachine.Observation(
            name: name, createdAt: createdAt, generation: generation, spec: spec, status: status, clusterReplicas: clusterReplicas,
            deploymentReplicas: deployment.map { Int($0.spec.replicas ?? 1) }, podCount: pods.count,
            restoreWork: await works.state(uid), databases: databases, otherRestores: others)
        let decision = RestoreStateMachine.decide(observation, now: now)
        var newStatus = decision.status
        if let step = decision.step {
            logger.info("restore step", metadata: ["restore": "\(name)", "phase": "\(status.phase.rawValue)", "step": "\(step)"])
            switch step {
            case .scaleDeployment(let replicas):
                try await client.setReplicas(Int32(replicas), name: DesiredResources.name, namespace: namespace)
            case .startRestore(let plan):
                guard let admin else { throw OperatorError("no admin database for restore \(name)") }
                let source = sourceURL
                await works.start(uid) { try await admin.restore(plan, sourceURL: source) }
            case .verifyChain(let database):
                guard let admin else { throw OperatorError("no admin database for restore \(name)") }
                let verification = await admin.verifyChain(database: database)
                newStatus = RestoreStateMachine.record(verification, in: newStatus)
            case .renameDatabases(let renames):
                guard let admin else { throw OperatorError("no admin database for restore \(name)") }
                try await admin.rename(renames)
            }
        }
        if let event = decision.event { await recorder.record(event, on: restore, kind: "JitsudoRestore") }
        try await write(restore, newStatus, health: decision.health, previous: previous, generation: generation, now: now)
        return decision.requeueAfter
    }

    private func secretValue(_ secretName: String, _ key: String) async throws -> String {
        let secret = secretText(try await client.getIfPresent(GenericResource.self, name: secretName, namespace: namespace, in: .secrets))
        guard let value = secret?[key], !value.isEmpty else {
            throw OperatorError("secret/\(secretName) with key \(key) not found; create it with the PostgreSQL URL")
        }
        return value.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func admin(_ plan: RestorePlan) async throws -> PostgresAdmin {
        let text = try await secretValue(plan.adminSecretName, plan.adminSecretKey)
        do {
            return PostgresAdmin(admin: try DatabaseURL(text), backupRoot: backupRoot, logger: logger)
        } catch {
            throw OperatorError("secret/\(plan.adminSecretName) key \(plan.adminSecretKey) is not a PostgreSQL URL: \(error.message)")
        }
    }

    private func write(
        _ restore: GenericResource, _ status: RestoreStateMachine.Status, health: ConditionSummary, previous: [OperatorCore.Condition],
        generation: Int64, now: Date
    ) async throws {
        var json = try JSONValue(encoding: status)
        json["observedGeneration"] = .number(Double(generation))
        json["conditions"] = try JSONValue(encoding: health.conditions(previous: previous, generation: generation, now: now))
        if restore.status == json { return }
        var updated = restore
        updated.status = json
        _ = try await client.update(updated, in: .jitsudoRestores, subresource: "status")
    }
}
