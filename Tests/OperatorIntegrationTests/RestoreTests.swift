import Foundation
import JitsudoCore
import JitsudoOperator
import JitsudoStore
import JitsudoTesting
import KubernetesClient
import Synchronization
import Testing
import SwiftASN1
import X509

enum CertificateCheck {
    static func notAfter(_ pem: String) throws -> Date { try Certificate(pemEncoded: pem).notValidAfter }
}

/// Restores end to end: the real API server + fakelet, a real PostgreSQL, pg_dump → restore → chain verification →
/// swap → scale up.
@Suite(.serialized) struct RestoreTests {
    /// A migrated database with `events` audit events by `actor`; its URL.
    static func jitsudoDatabase(events: Int, actor: String) async throws -> DatabaseURL {
        try await withTestDatabase { db in
            let log = AuditLog(database: db.database)
            for index in 0..<events { _ = try await log.append(AuditDraft(actor: actor, action: "request.created", requestID: "req-\(index)")) }
            return db.url
        }
    }

    static func psql(_ url: DatabaseURL, _ sql: String) async throws -> String {
        let result = try await Shell.run("psql -X -A -t -v ON_ERROR_STOP=1 -d \"$URL\" -c \"$SQL\"", environment: ["URL": url.urlString, "SQL": sql])
        guard result.status == 0 else { throw Env.Unavailable(description: "psql failed: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func databases() async throws -> Set<String> {
        Set(try await psql(try await Env.adminURL(), "SELECT datname FROM pg_database").split(separator: "\n").map(String.init))
    }

    struct Setup {
        var live: DatabaseURL
        var source: DatabaseURL
        var restoreName: String
        var oldName: String
    }

    /// A live database (3 events by "live"), a source database to dump (5 events by "source"), Secrets for both,
    /// and a JitsudoCluster at 2 replicas.
    static func setUp(_ client: KubernetesClient, _ namespace: String) async throws -> Setup {
        let live = try await jitsudoDatabase(events: 3, actor: "live")
        let source = try await jitsudoDatabase(events: 5, actor: "source")
        let admin = try await Env.adminURL()
        for (name, url) in [("pg-admin", admin), ("pg-source", source)] {
            var secret = GenericResource(apiVersion: "v1", kind: "Secret", metadata: ObjectMeta(name: name, namespace: namespace))
            secret.body["stringData"] = ["url": .string(url.urlString)]
            _ = try await client.create(secret, in: .secrets)
        }
        try await Env.createCluster(client, namespace, replicas: 2)
        let suffix = String(UInt32.random(in: 0...UInt32.max))
        return Setup(live: live, source: source, restoreName: "r_\(suffix)", oldName: "o_\(suffix)")
    }

    static func createRestore(_ client: KubernetesClient, _ namespace: String, _ setup: Setup, name: String = "restore-1") async throws {
        var restore = GenericResource(apiVersion: "jitsudo.dev/v1alpha1", kind: "JitsudoRestore", metadata: ObjectMeta(name: name, namespace: namespace))
        restore.spec = [
            "source": ["pgDump": ["sourceSecretRef": ["name": "pg-source"]]],
            "database": [
                "adminSecretRef": ["name": "pg-admin"], "liveName": .string(setup.live.database), "restoreName": .string(setup.restoreName),
                "oldName": .string(setup.oldName),
            ],
        ]
        _ = try await client.create(restore, in: .jitsudoRestores)
    }

    static func restore(_ client: KubernetesClient, _ namespace: String, _ name: String = "restore-1") async throws -> GenericResource {
        try await client.get(GenericResource.self, name: name, namespace: namespace, in: .jitsudoRestores)
    }

    /// Samples deployment/jitsudod while a restore runs; records any moment it is above 0 replicas while the restore
    /// is between ScalingDown and ScalingUp.
    final class EarlyScaleUpWatch: Sendable {
        let violations = Mutex<[String]>([])
        func sample(_ client: KubernetesClient, _ namespace: String) async {
            guard let replicas = try? await client.get(Deployment.self, name: "jitsudod", namespace: namespace).spec.replicas,
                  let phase = try? await RestoreTests.restore(client, namespace).status?["phase"]?.stringValue
            else { return }
            if replicas > 0, ["WaitingForPods", "Restoring", "Verifying", "Swapping"].contains(phase) {
                violations.withLock { $0.append("\(replicas) replicas in phase \(phase)") }
            }
        }
    }

    @Test func aRestoreRunsEndToEndAndSwapsTheVerifiedDatabaseIn() async throws {
        try await Env.withNamespace("oprestore") { client, namespace in
            let setup = try await Self.setUp(client, namespace)
            let operatorTask = Env.startOperator(client, namespace: namespace)
            defer { operatorTask.cancel() }
            try await Env.eventually("jitsudod runs 2 ready pods") {
                try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).status?.readyReplicas == 2
            }
            try await Self.createRestore(client, namespace, setup)
            let watch = EarlyScaleUpWatch()
            let sampler = Task {
                while !Task.isCancelled {
                    await watch.sample(client, namespace)
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
            defer { sampler.cancel() }
            try await Env.eventually("the restore completes", timeout: .seconds(120)) {
                let phase = try await Self.restore(client, namespace).status?["phase"]?.stringValue
                if phase == "Failed" { throw Env.Unavailable(description: "restore failed: \(try await Self.restore(client, namespace).status ?? .null)") }
                return phase == "Completed"
            }
            sampler.cancel()
            #expect(watch.violations.withLock { $0 }.isEmpty, "\(watch.violations.withLock { $0 })")
            let status = try await Self.restore(client, namespace).status
            #expect(status?["verifiedEvents"]?.intValue == 5)
            #expect(status?["previousReplicas"]?.intValue == 2)
            #expect(status?["oldDatabaseName"]?.stringValue == setup.oldName)
            #expect((status?["conditions"]?.arrayValue ?? []).contains { $0["type"] == "Ready" && $0["status"] == "True" })
            // The swap: the live name now holds the dump's data, the old data is kept under oldName.
            #expect(try await Self.psql(setup.live, "SELECT count(*) FROM audit_events WHERE actor_identity = 'source'") == "5")
            #expect(try await Self.psql(setup.live.with(database: setup.oldName), "SELECT count(*) FROM audit_events WHERE actor_identity = 'live'") == "3")
            #expect(!(try await Self.databases()).contains(setup.restoreName))
            try await Env.eventually("jitsudod is back at 2 replicas") {
                try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).spec.replicas == 2
            }
            let reasons = Set(try await Env.events(client, namespace).filter { $0.regarding?.kind == "JitsudoRestore" }.compactMap(\.reason))
            #expect(reasons.isSuperset(of: ["ScalingDown", "WaitingForPods", "Restoring", "RestoreStarted", "Verifying", "Swapping", "ScalingUp", "Completed"]),
                    "\(reasons)")
        }
    }

    @Test func aTamperedChainFailsTheRestoreAndLeavesTheLiveDatabaseUntouched() async throws {
        try await Env.withNamespace("optamper") { client, namespace in
            let setup = try await Self.setUp(client, namespace)
            // Tampering as a superuser would: past the append-only trigger.
            _ = try await Self.psql(setup.source, "SET session_replication_role = replica; UPDATE audit_events SET actor_identity = 'mallory' WHERE id = (SELECT min(id) + 1 FROM audit_events)")
            let tamperedID = try await Self.psql(setup.source, "SELECT id FROM audit_events WHERE actor_identity = 'mallory'")
            let operatorTask = Env.startOperator(client, namespace: namespace)
            defer { operatorTask.cancel() }
            try await Env.eventually("jitsudod runs 2 ready pods") {
                try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).status?.readyReplicas == 2
            }
            try await Self.createRestore(client, namespace, setup)
            try await Env.eventually("the restore fails", timeout: .seconds(120)) {
                try await Self.restore(client, namespace).status?["phase"]?.stringValue == "Failed"
            }
            let status = try await Self.restore(client, namespace).status
            #expect(status?["failedPhase"] == "Verifying")
            #expect(status?["firstBrokenEvent"]?.stringValue == tamperedID)
            let message = status?["message"]?.stringValue ?? ""
            #expect(message.contains("broken"), "\(message)")
            // Nothing renamed: the live database is the one it was, the restored copy sits beside it.
            #expect(try await Self.psql(setup.live, "SELECT count(*) FROM audit_events WHERE actor_identity = 'live'") == "3")
            let databases = try await Self.databases()
            #expect(databases.contains(setup.restoreName) && !databases.contains(setup.oldName))
            try await Env.eventually("jitsudod is scaled back on the untouched database") {
                try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).spec.replicas == 2
            }
            let events = try await Env.events(client, namespace)
            #expect(events.contains { $0.reason == "ChainBroken" && $0.type == "Warning" })
        }
    }

    @Test func anOperatorKilledMidRestoreFinishesItAfterRestartWithoutScalingUpEarly() async throws {
        try await Env.withNamespace("opkill") { client, namespace in
            let setup = try await Self.setUp(client, namespace)
            let port = try Env.freePort()
            var first = try Env.spawnOperator(namespace: namespace, identity: "operator-a", port: port)
            defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
            try await Env.eventually("jitsudod runs 2 ready pods", timeout: .seconds(90)) {
                try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).status?.readyReplicas == 2
            }
            // Pods that stay terminating hold the restore in WaitingForPods: the operator is killed there.
            for pod in try await client.list(Pod.self, namespace: namespace, options: .labels(["app": "jitsudod"])).items {
                _ = try await client.patch(Pod.self, name: pod.metadata.name ?? "", namespace: namespace,
                                           .merge(["metadata": ["annotations": ["fakelet.jitsudo.dev/stuck-terminating": "true"]]]))
            }
            try await Self.createRestore(client, namespace, setup)
            let watch = EarlyScaleUpWatch()
            let sampler = Task {
                while !Task.isCancelled {
                    await watch.sample(client, namespace)
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
            defer { sampler.cancel() }
            try await Env.eventually("the restore waits for the pods") {
                try await Self.restore(client, namespace).status?["phase"]?.stringValue == "WaitingForPods"
            }
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            for pod in try await client.list(Pod.self, namespace: namespace, options: .labels(["app": "jitsudod"])).items {
                _ = try await client.patch(Pod.self, name: pod.metadata.name ?? "", namespace: namespace,
                                           .merge(["metadata": ["annotations": ["fakelet.jitsudo.dev/stuck-terminating": nil]]]))
            }
            try await Task.sleep(for: .seconds(2))
            #expect(try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).spec.replicas == 0)
            #expect(try await Self.restore(client, namespace).status?["phase"]?.stringValue == "WaitingForPods")
            first = try Env.spawnOperator(namespace: namespace, identity: "operator-b", port: port)
            try await Env.eventually("the restarted operator completes the restore", timeout: .seconds(120)) {
                try await Self.restore(client, namespace).status?["phase"]?.stringValue == "Completed"
            }
            sampler.cancel()
            #expect(watch.violations.withLock { $0 }.isEmpty, "\(watch.violations.withLock { $0 })")
            #expect(try await Self.psql(setup.live, "SELECT count(*) FROM audit_events WHERE actor_identity = 'source'") == "5")
            #expect(try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).spec.replicas == 2)
            let lease = try await client.get(Lease.self, name: "jitsudo-operator", namespace: namespace)
            #expect(lease.spec?.holderIdentity == "operator-b")
            kill(first.processIdentifier, SIGTERM)
            first.waitUntilExit()
        }
    }

    @Test func twoOperatorReplicasElectOneLeader() async throws {
        try await Env.withNamespace("opelect") { client, namespace in
            let ports = [try Env.freePort(), try Env.freePort()]
            let processes = [
                try Env.spawnOperator(namespace: namespace, identity: "replica-0", port: ports[0]),
                try Env.spawnOperator(namespace: namespace, identity: "replica-1", port: ports[1]),
            ]
            defer { for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            func leaders() async throws -> [Int] {
                var leading: [Int] = []
                for (index, port) in ports.enumerated() where processes[index].isRunning {
                    let (code, body) = try await Env.get(port: port, "/metrics")
                    if code == 200, body.split(separator: "\n").contains("jitsudo_operator_leader 1") { leading.append(index) }
                }
                return leading
            }
            try await Env.eventually("exactly one replica leads") { try await leaders().count == 1 }
            for port in ports {
                #expect(try await Env.get(port: port, "/healthz").0 == 200)
                try await Env.eventually("/readyz answers 200 on \(port)") { try await Env.get(port: port, "/readyz").0 == 200 }
            }
            try await Task.sleep(for: .seconds(4))
            let leader = try #require(try await leaders().first)
            #expect(try await leaders() == [leader], "still one leader after more than a lease duration")
            let lease = try await client.get(Lease.self, name: "jitsudo-operator", namespace: namespace)
            #expect(lease.spec?.holderIdentity == "replica-\(leader)")
            // The leader stops (SIGTERM releases the Lease): the other takes over.
            kill(processes[leader].processIdentifier, SIGTERM)
            processes[leader].waitUntilExit()
            try await Env.eventually("the other replica leads", timeout: .seconds(30)) { try await leaders() == [1 - leader] }
            #expect(try await client.get(Lease.self, name: "jitsudo-operator", namespace: namespace).spec?.holderIdentity == "replica-\(1 - leader)")
        }
    }
}
