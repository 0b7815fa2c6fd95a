import Foundation
import KubernetesClient
import Logging
import OperatorCore

/// Reads and creates the Jobs of an upgrade (``UpgradeJob``) for one JitsudoCluster. A Job of the upgrade's name that
/// the JitsudoCluster does not own is never taken for its work: it is reported as failed, so nothing rolls on it.
struct UpgradeJobs: Sendable {
    let client: KubernetesClient
    let namespace: String
    let logger: Logger

    /// The states of the backup and migration Jobs of the upgrade from `currentImage` to `targetImage`.
    func work(from currentImage: String, to targetImage: String, owner: OwnerReference) async throws -> UpgradePlanner.Work {
        let names = UpgradeJob.names(from: currentImage, to: targetImage)
        return UpgradePlanner.Work(
            backup: try await state(of: names.backup, owner: owner), migration: try await state(of: names.migration, owner: owner))
    }

    private func state(of name: String, owner: OwnerReference) async throws -> RestoreStateMachine.RestoreWork {
        guard let job = try await client.getIfPresent(GenericResource.self, name: name, namespace: namespace, in: .jobs) else { return .notStarted }
        guard job.metadata.ownerReferences?.contains(where: { $0.uid == owner.uid }) == true else {
            return .failed(
                "job/\(name) exists but does not belong to this JitsudoCluster; delete it (kubectl -n \(namespace) delete job \(name))")
        }
        return RestoreJob.work(try await RestoreExecutor.observe(job, client: client, namespace: namespace))
    }

    /// Creates the Job, owned by the JitsudoCluster; one that exists already is kept.
    func create(_ job: UpgradeJob, owner: OwnerReference) async throws {
        var object = GenericResource(apiVersion: "batch/v1", kind: "Job", metadata: ObjectMeta(name: job.name, namespace: namespace))
        object.metadata.labels = job.labels
        object.metadata.ownerReferences = [owner]
        var container: JSONValue = [
            "name": .string(job.kind.rawValue), "image": .string(job.image), "imagePullPolicy": .string(job.imagePullPolicy),
            "env": .array(job.environment.map(RestoreExecutor.render)),
            // The last output lines land in the terminated state: the failure message in the condition and the Event.
            "terminationMessagePolicy": "FallbackToLogsOnError",
            "securityContext": ["allowPrivilegeEscalation": false, "capabilities": ["drop": ["ALL"]]],
        ]
        if let command = job.command { container["command"] = .array(command.map { .string($0) }) }
        if !job.arguments.isEmpty { container["args"] = .array(job.arguments.map { .string($0) }) }
        if let port = job.containerPort {
            // jitsudod migrate listens on nothing; the port is the image's, declared as for the Deployment's pods.
            container["ports"] = [["name": "https", "containerPort": .number(Double(port)), "protocol": "TCP"]]
        }
        var pod: JSONValue = ["restartPolicy": "Never", "automountServiceAccountToken": false, "enableServiceLinks": false]
        if let claim = job.backupClaimName {
            container["volumeMounts"] = [["name": "backups", "mountPath": .string(UpgradeJob.backupMountPath)]]
            pod["volumes"] = [["name": "backups", "persistentVolumeClaim": ["claimName": .string(claim)]]]
        }
        pod["containers"] = [container]
        object.spec = [
            "backoffLimit": 0, "activeDeadlineSeconds": .number(Double(job.activeDeadlineSeconds)),
            "template": ["metadata": ["labels": .object(job.labels.mapValues { .string($0) })], "spec": pod],
        ]
        do {
            _ = try await client.create(object, in: .jobs)
            logger.info("upgrade job created", metadata: ["job": "\(job.name)", "image": "\(job.image)"])
        } catch let error as KubernetesError where error.code == .alreadyExists {
            logger.debug("upgrade job exists", metadata: ["job": "\(job.name)"])
        }
    }
}
