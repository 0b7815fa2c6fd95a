import Foundation
import JitsudoStore
import KubernetesClient
import Logging
import OperatorCore

/// The thin executor of the RestoreStateMachine for one JitsudoRestore: observes the Deployment, the pods, the
/// restore Job and the databases, performs the one step, writes `status` (phase, progress, conditions,
/// observedGeneration) through /status, and records the Event. The restore work is a Job named after the restore
/// (``RestoreJob``): its state is read from the API server on every reconcile, so a restarted operator watches the
/// same Job instead of starting the work again.
struct RestoreExecutor: Sendable {
    let client: KubernetesClient
    let namespace: String
    let recorder: Recorder
    let logger: Logger
    /// The wall clock the decisions read (deadlines, condition times).
    let now: @Sendable () -> Date

    static func phase(of restore: GenericResource) -> RestoreStateMachine.Phase {
        restore.status?["phase"]?.stringValue.flatMap(RestoreStateMachine.Phase.init(rawValue:)) ?? .pending
    }

    func reconcile(_ restore: GenericResource, all: [GenericResource], clusters: [GenericResource]) async throws -> TimeInterval? {
        let now = self.now()
        let name = restore.metadata.name ?? ""
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
        var databases: Set<String> = []
        var work = RestoreStateMachine.RestoreWork.notStarted
        var conflict: String?
        if let plan, !terminal, status.phase != .pending {
            admin = try await self.admin(plan)
            if case .pgDump(_, let secretName, let key) = plan.source {
                // Checked here so a missing Secret is reported by the operator, not only by a pod stuck in Pending.
                _ = try await secretValue(secretName, key)
            }
            if status.phase == .swapping, let admin { databases = try await admin.databases() }
            if status.phase == .restoring {
                do {
                    work = RestoreJob.work(try await observeJob(of: restore))
                } catch let error as JobConflict {
                    // Someone else's Job holds the name: wait (the timeout still applies), never start or adopt one.
                    work = .running
                    conflict = error.description
                }
            }
        }
        let observation = RestoreStateMachine.Observation(
            name: name, createdAt: createdAt, generation: generation, spec: spec, status: status, clusterReplicas: clusterReplicas,
            deploymentReplicas: deployment.map { Int($0.spec.replicas ?? 1) }, podCount: pods.count,
            restoreWork: work, databases: databases, otherRestores: others)
        let decision = RestoreStateMachine.decide(observation, now: now)
        var newStatus = decision.status
        var health = decision.health
        var event = decision.event
        if let conflict, decision.step == nil, newStatus.phase == .restoring {
            newStatus.message = conflict
            health = ConditionSummary(.degraded, reason: "RestoreJobConflict", message: conflict)
            if status.message != conflict { event = ReconcileEvent(.warning, reason: "RestoreJobConflict", message: conflict) }
        }
        if let step = decision.step.map({ recorder.counted($0, kind: "JitsudoRestore") }) {
            logger.info("restore step", metadata: ["restore": "\(name)", "phase": "\(status.phase.rawValue)", "step": "\(step)"])
            switch step {
            case .scaleDeployment(let replicas):
                try await client.setReplicas(Int32(replicas), name: DesiredResources.name, namespace: namespace)
            case .startRestore(let plan):
                guard let admin else { throw OperatorError("no admin database for restore \(name)") }
                // Only while no Job exists (decide starts nothing otherwise): an operator killed between the two steps
                // drops and creates the database again, which is safe before any Job loaded it.
                try await admin.recreate(database: plan.restoreDatabase)
                try await createJob(RestoreJob(restoreName: name, plan: plan), owner: restore)
            case .verifyChain(let database):
                guard let admin else { throw OperatorError("no admin database for restore \(name)") }
                let verification = await admin.verifyChain(database: database)
                newStatus = RestoreStateMachine.record(verification, in: newStatus)
            case .renameDatabases(let renames):
                guard let admin else { throw OperatorError("no admin database for restore \(name)") }
                try await admin.rename(renames)
            }
        }
        if let event { await recorder.record(event, on: restore, kind: "JitsudoRestore") }
        try await write(restore, newStatus, health: health, previous: previous, generation: generation, now: now)
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
            return PostgresAdmin(admin: try DatabaseURL(text), logger: logger)
        } catch {
            throw OperatorError("secret/\(plan.adminSecretName) key \(plan.adminSecretKey) is not a PostgreSQL URL: \(error.message)")
        }
    }

    /// The restore's Job and how its pod ended; nil when there is none. A Job of that name owned by another object
    /// (an earlier restore of the same name, not yet garbage-collected) is never taken for this restore's work.
    private func observeJob(of restore: GenericResource) async throws -> RestoreJob.Observed? {
        let name = RestoreJob.name(forRestore: restore.metadata.name ?? "")
        guard let job = try await client.getIfPresent(GenericResource.self, name: name, namespace: namespace, in: .jobs) else { return nil }
        guard job.metadata.ownerReferences?.contains(where: { $0.uid == restore.metadata.uid }) == true else {
            throw JobConflict(
                description: "job/\(name) exists but does not belong to this JitsudoRestore (an earlier restore of the same name?); "
                    + "waiting until it is gone: the garbage collector removes an earlier restore's Job, or delete it: "
                    + "kubectl -n \(namespace) delete job \(name)")
        }
        return try await Self.observe(job, client: client, namespace: namespace)
    }

    /// What a Job's status says (counts, conditions) and, once it failed, how its failed pod ended: shared by the
    /// restore and the upgrade Jobs.
    static func observe(_ job: GenericResource, client: KubernetesClient, namespace: String) async throws -> RestoreJob.Observed {
        let status = job.status ?? [:]
        let conditions = (status["conditions"]?.arrayValue ?? []).map { condition in
            RestoreJob.Observed.Condition(
                type: condition["type"]?.stringValue ?? "", status: condition["status"]?.stringValue ?? "",
                reason: condition["reason"]?.stringValue, message: condition["message"]?.stringValue)
        }
        var observed = RestoreJob.Observed(
            active: status["active"]?.intValue ?? 0, succeeded: status["succeeded"]?.intValue ?? 0, failed: status["failed"]?.intValue ?? 0,
            conditions: conditions)
        let failed = observed.failed > 0 || conditions.contains { $0.type == "Failed" && $0.status == "True" }
        if failed, let uid = job.metadata.uid {
            let pods = try await client.list(Pod.self, namespace: namespace, options: .labels(["controller-uid": uid])).items
            observed.podFailure = pods.filter { $0.status?.phase == "Failed" }.compactMap(Self.failure(of:)).first
        }
        return observed
    }

    /// A Job of the restore's name that this restore does not own.
    struct JobConflict: Error, CustomStringConvertible {
        var description: String
    }

    /// "pod P: exit code N (Reason): message" from the container's terminated state, else the pod's status message.
    static func failure(of pod: Pod) -> String? {
        let name = pod.metadata.name ?? ""
        if let terminated = pod.status?.containerStatuses?.first?["state"]?["terminated"] {
            let code = terminated["exitCode"]?.intValue.map { "exit code \($0)" } ?? "terminated"
            let reason = terminated["reason"]?.stringValue.map { " (\($0))" } ?? ""
            let message = terminated["message"]?.stringValue.map { ": \($0.trimmingCharacters(in: .whitespacesAndNewlines))" } ?? ""
            return "pod \(name): \(code)\(reason)\(message)"
        }
        return pod.status?.message.map { "pod \(name): \($0)" }
    }

    /// Creates the Job, owned by the restore (deleting the restore deletes it); one that exists already is kept.
    private func createJob(_ job: RestoreJob, owner restore: GenericResource) async throws {
        let metadata = ObjectMeta(name: job.name, namespace: namespace)
        var object = GenericResource(apiVersion: "batch/v1", kind: "Job", metadata: metadata)
        object.metadata.labels = job.labels
        object.metadata.ownerReferences = [
            OwnerReference(
                apiVersion: "jitsudo.dev/v1alpha1", kind: "JitsudoRestore", name: restore.metadata.name ?? "", uid: restore.metadata.uid ?? "",
                controller: true, blockOwnerDeletion: true)
        ]
        var container: JSONValue = [
            "name": .string(RestoreJob.containerName), "image": .string(job.image), "command": .array(job.command.map { .string($0) }),
            "env": .array(job.environment.map(Self.render)),
            // The fakelet (and a kubelet) put the last output lines in the terminated state: the restore's failure message.
            "terminationMessagePolicy": "FallbackToLogsOnError",
        ]
        var pod: JSONValue = [
            "restartPolicy": "Never", "automountServiceAccountToken": false, "enableServiceLinks": false,
        ]
        if let claim = job.backupClaimName {
            container["volumeMounts"] = [["name": "backup", "mountPath": .string(RestoreJob.backupMountPath), "readOnly": true]]
            pod["volumes"] = [["name": "backup", "persistentVolumeClaim": ["claimName": .string(claim), "readOnly": true]]]
        }
        pod["containers"] = [container]
        object.spec = [
            "backoffLimit": 0, "activeDeadlineSeconds": .number(Double(job.activeDeadlineSeconds)),
            "template": ["metadata": ["labels": .object(job.labels.mapValues { .string($0) })], "spec": pod],
        ]
        do {
            _ = try await client.create(object, in: .jobs)
            logger.info("restore job created", metadata: ["restore": "\(restore.metadata.name ?? "")", "job": "\(job.name)"])
        } catch let error as KubernetesError where error.code == .alreadyExists {
            logger.debug("restore job exists", metadata: ["job": "\(job.name)"])
        }
    }

    static func render(_ variable: RestoreJob.Variable) -> JSONValue {
        switch variable {
        case .value(let name, let value): ["name": .string(name), "value": .string(value)]
        case .secretKey(let name, let secret, let key):
            ["name": .string(name), "valueFrom": ["secretKeyRef": ["name": .string(secret), "key": .string(key)]]]
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
