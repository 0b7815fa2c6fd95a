import Foundation
import JitsudoOperator
import JitsudoTesting
import KubernetesClient
import OperatorCore
import Testing

/// Upgrades against the real API server + controller-manager + fakelet (the success path, backup then migration then
/// the rollout, is the drill ops/drills/upgrade.sh).
@Suite(.serialized) struct UpgradeTests {
    /// The migration Job of the new image (jitsudod, as a process) cannot reach its database: the Job fails, the
    /// cluster is Degraded with reason MigrationFailed and a Warning Event carrying the pod's output, no backup was
    /// asked for (the status says so), and the Deployment keeps the old image.
    @Test func aFailedMigrationJobLeavesTheDeploymentOnTheOldImageAndDegradesTheCluster() async throws {
        try await Env.withNamespace("opupgrade") { client, namespace in
            try await Env.createCluster(client, namespace, replicas: 1)
            let operatorTask = Env.startOperator(client, namespace: namespace)
            defer { operatorTask.cancel() }
            try await Env.eventually("the JitsudoCluster is Ready") {
                try await Env.cluster(client, namespace).status?["phase"]?.stringValue == "Ready"
            }
            let oldImage = "ghcr.io/jitsudo/jitsudod:test"
            let newImage = "localhost/jitsudod:upgrade-test"
            // A database URL on a port nothing listens on.
            var secret = GenericResource(apiVersion: "v1", kind: "Secret", metadata: ObjectMeta(name: "schema-owner", namespace: namespace))
            secret.body["stringData"] = ["url": .string("postgres://owner:x@127.0.0.1:\(try Env.freePort())/jitsudo?sslmode=disable")]
            _ = try await client.create(secret, in: .secrets)
            let patch: JSONValue = ["spec": ["image": .string(newImage), "upgrade": ["databaseSecretRef": ["name": "schema-owner"]]]]
            _ = try await client.patch(GenericResource.self, name: "jitsudod", namespace: namespace, .merge(patch), in: .jitsudoClusters)

            var degraded: JSONValue?
            try await Env.eventually("the JitsudoCluster is Degraded with reason MigrationFailed", timeout: .seconds(90)) {
                let cluster = try await Env.cluster(client, namespace)
                degraded = cluster.status?["conditions"]?.arrayValue?.first { $0["type"] == "Degraded" && $0["status"] == "True" }
                return cluster.status?["phase"]?.stringValue == "Degraded" && degraded?["reason"]?.stringValue == "MigrationFailed"
            }
            let message = degraded?["message"]?.stringValue ?? ""
            #expect(message.contains("no backup taken") && message.contains("old replicas serving"), "\(message)")
            // The pod's own end (the fakelet ran jitsudod migrate as a process), not a Job of someone else.
            #expect(message.contains("exit code"), "\(message)")
            let names = UpgradeJob.names(from: oldImage, to: newImage)
            let job = try await client.get(GenericResource.self, name: names.migration, namespace: namespace, in: .jobs)
            let container = job.spec?["template"]?["spec"]?["containers"]?.arrayValue?.first
            #expect(container?["image"]?.stringValue == newImage && container?["args"] == ["migrate"])
            #expect(job.metadata.ownerReferences?.first?.kind == "JitsudoCluster")
            let backups = try await client.list(
                GenericResource.self, namespace: namespace, options: .labels([UpgradeJob.stepLabel: "backup"]), in: .jobs
            ).items
            #expect(backups.isEmpty)
            let deployment = try await client.get(Deployment.self, name: "jitsudod", namespace: namespace)
            #expect(deployment.spec.template.spec.containers.first?.image == oldImage)
            let events = try await Env.events(client, namespace).filter { $0.reason == "MigrationFailed" }
            #expect(events.count == 1 && events.first?.type == "Warning", "\(events.map(\.note))")
            #expect(events.first?.note?.contains(names.migration) == true)
        }
    }
}
