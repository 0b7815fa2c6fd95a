import Foundation
import JitsudoCore
import JitsudoOperator
import JitsudoStore
import JitsudoTesting
import KubernetesClient
import Logging
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
            try await db.sequenceAudit()
            return db.url
        }
    }

    static func psql(_ url: DatabaseURL, _ sql: String) async throws -> String {
        let result = try await Subprocess.shell(
            "psql -X -A -t -v ON_ERROR_STOP=1 -d \"$URL\" -c \"$SQL\"", environment: ["URL": url.urlString, "SQL": sql])
        guard result.status == 0 else { throw Env.Unavailable(description: "psql failed: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A psql session (application_name `jitsudo-test-locker`) that takes an ACCESS EXCLUSIVE lock on audit_events of
    /// `url` and holds it for up to 5 minutes; end it with pg_terminate_backend.
    static func lockAuditEvents(of url: DatabaseURL) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [
            "-c", "exec psql -X -q -d \"$URL\" -c 'BEGIN; LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(300); COMMIT;'",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["URL"] = url.urlString
        environment["PGAPPNAME"] = "jitsudo-test-locker"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// True when `pid` no longer runs (no /proc entry, or a zombie waiting for its reaper).
    static func isGone(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
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
            // With the trailing newline of a Secret made from a file: the operator and the Job both cope.
            secret.body["stringData"] = ["url": .string(url.urlString + "\n")]
            _ = try await client.create(secret, in: .secrets)
        }
        try await Env.createCluster(client, namespace, replicas: 2)
        let suffix = String(UInt32.random(in: 0...UInt32.max))
        return Setup(live: live, source: source, restoreName: "r_\(suffix)", oldName: "o_\(suffix)")
    }

    static let pgDumpSource: JSONValue = ["pgDump": ["sourceSecretRef": ["name": "pg-source"]]]

    static func createRestore(
        _ client: KubernetesClient, _ namespace: String, _ setup: Setup, name: String = "restore-1", source: JSONValue = pgDumpSource
    ) async throws {
        var restore = GenericResource(
            apiVersion: "jitsudo.dev/v1alpha1", kind: "JitsudoRestore", metadata: ObjectMeta(name: name, namespace: namespace))
        restore.spec = [
            "source": source,
            "database": [
                "adminSecretRef": ["name": "pg-admin"], "liveName": .string(setup.live.database), "restoreName": .string(setup.restoreName),
                "oldName": .string(setup.oldName),
            ],
        ]
        _ = try await client.create(restore, in: .jitsudoRestores)
    }

    static func waitForTwoReadyPods(_ client: KubernetesClient, _ namespace: String) async throws {
        try await Env.eventually("jitsudod runs 2 ready pods") {
            try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).status?.readyReplicas == 2
        }
    }

    static func restore(_ client: KubernetesClient, _ namespace: String, _ name: String = "restore-1") async throws -> GenericResource {
        try await client.get(GenericResource.self, name: name, namespace: namespace, in: .jitsudoRestores)
    }

    /// The restore Jobs of `restore` (by the operator's label).
    static func jobs(_ client: KubernetesClient, _ namespace: String, restore: String = "restore-1") async throws -> [GenericResource] {
        try await client.list(GenericResource.self, namespace: namespace, options: .labels(["jitsudo.dev/restore": restore]), in: .jobs).items
    }

    /// The pods the Job controller made for `job`.
    static func pods(of job: GenericResource, _ client: KubernetesClient, _ namespace: String) async throws -> [Pod] {
        try await client.list(Pod.self, namespace: namespace, options: .labels(["controller-uid": job.metadata.uid ?? ""])).items
    }

    /// Exactly one Job for restore-1, owned by it, labelled as the operator's, its pod run by the fakelet as a process
    /// on this host (a pid annotation) that ended with `exitCode`; returns the Job and its pod.
    static func expectOneJobRanAsAProcess(
        _ client: KubernetesClient, _ namespace: String, exitCode: Int
    ) async throws -> (job: GenericResource, pod: Pod) {
        let restore = try await Self.restore(client, namespace)
        let jobs = try await Self.jobs(client, namespace)
        #expect(jobs.map(\.metadata.name) == ["jitsudo-restore-restore-1"])
        let job = try #require(jobs.first)
        #expect(job.metadata.ownerReferences?.map(\.uid) == [restore.metadata.uid ?? "-"])
        #expect(job.metadata.labels?["app.kubernetes.io/managed-by"] == "jitsudo-operator")
        #expect(job.spec?["backoffLimit"]?.intValue == 0)
        #expect(job.spec?["template"]?["spec"]?["restartPolicy"]?.stringValue == "Never")
        let pods = try await Self.pods(of: job, client, namespace)
        #expect(pods.count == 1, "backoffLimit 0: one pod, never a retry")
        let pod = try #require(pods.first)
        #expect(pod.metadata.labels?["app"] == nil, "the Job's pod is not an app=jitsudod pod")
        #expect(Int(pod.metadata.annotations?["fakelet.jitsudo.dev/pid"] ?? "") != nil, "the fakelet ran the pod's command as a process")
        #expect(pod.status?.phase == (exitCode == 0 ? "Succeeded" : "Failed"))
        let terminated = pod.status?.containerStatuses?.first?["state"]?["terminated"]
        #expect(terminated?["exitCode"]?.intValue == exitCode)
        return (job, pod)
    }

    /// A PersistentVolumeClaim object and its host directory under the fakelet's volume root (unique per test: the
    /// root is shared by the namespaces).
    static func createClaim(_ client: KubernetesClient, _ namespace: String) async throws -> (name: String, directory: URL) {
        let name = "backups-\(UInt32.random(in: 0...UInt32.max))"
        var claim = GenericResource(apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: ObjectMeta(name: name, namespace: namespace))
        claim.spec = ["accessModes": ["ReadOnlyMany"], "resources": ["requests": ["storage": "1Gi"]]]
        let claims = ResourceType(group: "", version: "v1", plural: "persistentvolumeclaims", kind: "PersistentVolumeClaim", namespaced: true)
        _ = try await client.create(claim, in: claims)
        let directory = try Env.volumeRoot().appendingPathComponent(name)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("daily"), withIntermediateDirectories: true)
        return (name, directory)
    }

    /// Waits for restore-1 to end (Completed or Failed) and requires it ended in `phase`.
    static func waitForRestore(_ client: KubernetesClient, _ namespace: String, _ phase: String, timeout: Duration = .seconds(120)) async throws {
        try await Env.eventually("the restore ends", timeout: timeout) {
            ["Completed", "Failed"].contains(try await Self.restore(client, namespace).status?["phase"]?.stringValue ?? "")
        }
        let status = try await Self.restore(client, namespace).status
        try #require(status?["phase"]?.stringValue == phase, "restore ended \(status?["phase"]?.stringValue ?? ""): \(status?["message"] ?? .null)")
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

        /// Samples every 100 ms until the returned task is cancelled.
        func start(_ client: KubernetesClient, _ namespace: String) -> Task<Void, Never> {
            Task {
                while !Task.isCancelled {
                    await sample(client, namespace)
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
        }
    }

    @Test func aRestoreRunsEndToEndAndSwapsTheVerifiedDatabaseIn() async throws {
        try await Env.withNamespace("oprestore") { client, namespace in
            let setup = try await Self.setUp(client, namespace)
            let operatorTask = Env.startOperator(client, namespace: namespace)
            defer { operatorTask.cancel() }
            try await Self.waitForTwoReadyPods(client, namespace)
            try await Self.createRestore(client, namespace, setup)
            let watch = EarlyScaleUpWatch()
            let sampler = watch.start(client, namespace)
            defer { sampler.cancel() }
            try await Env.eventually("the restore completes", timeout: .seconds(120)) {
                let phase = try await Self.restore(client, namespace).status?["phase"]?.stringValue
                if phase == "Failed" {
                    throw Env.Unavailable(description: "restore failed: \(try await Self.restore(client, namespace).status ?? .null)")
                }
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
            #expect(
                try await Self.psql(setup.live.with(database: setup.oldName), "SELECT count(*) FROM audit_events WHERE actor_identity = 'live'")
                    == "3")
            #expect(!(try await Self.databases()).contains(setup.restoreName))
            // The work was a Job whose pod ran pg_dump | psql on this host, and the Job controller completed it.
            let (job, _) = try await Self.expectOneJobRanAsAProcess(client, namespace, exitCode: 0)
            #expect(job.status?["succeeded"]?.intValue == 1)
            #expect((job.status?["conditions"]?.arrayValue ?? []).contains { $0["type"] == "Complete" && $0["status"] == "True" })
            try await Env.eventually("jitsudod is back at 2 replicas") {
                try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).spec.replicas == 2
            }
            let reasons = Set(try await Env.events(client, namespace).filter { $0.regarding?.kind == "JitsudoRestore" }.compactMap(\.reason))
            #expect(
                reasons.isSuperset(of: [
                    "ScalingDown", "WaitingForPods", "Restoring", "RestoreStarted", "Verifying", "Swapping", "ScalingUp", "Completed",
                ]),
                "\(reasons)")
        }
    }

    @Test func aGzipFileOnAClaimIsRestoredByAJobThatMountsIt() async throws {
        try await Env.withNamespace("opfile") { client, namespace in
            let setup = try await Self.setUp(client, namespace)
            let (claim, directory) = try await Self.createClaim(client, namespace)
            let backup = directory.appendingPathComponent("daily/backup.sql.gz")
            let dump = try await Subprocess.shell(
                "set -o pipefail; pg_dump --no-owner --no-privileges -d \"$URL\" | gzip > \"$OUT\"",
                environment: ["URL": setup.source.urlString, "OUT": backup.path])
            #expect(dump.status == 0, "\(dump.stderr)")
            // The source changes after the backup: the restore must bring the file's 5 events, not the database's 6.
            _ = try await Database.withClient(setup.source, applicationName: "restore-tests", logger: Logger(label: "restore-tests")) {
                try await AuditLog(database: $0).append(AuditDraft(actor: "after-backup", action: "request.created", requestID: "req-late"))
                try await AuditSequencer(database: $0).sequenceAll(fence: nil)
            }
            let operatorTask = Env.startOperator(client, namespace: namespace)
            defer { operatorTask.cancel() }
            try await Self.createRestore(
                client, namespace, setup, source: ["file": ["persistentVolumeClaimName": .string(claim), "path": "daily/backup.sql.gz"]])
            try await Self.waitForRestore(client, namespace, "Completed")
            #expect(try await Self.restore(client, namespace).status?["verifiedEvents"]?.intValue == 5)
            #expect(try await Self.psql(setup.live, "SELECT count(*) FROM audit_events WHERE actor_identity = 'source'") == "5")
            #expect(try await Self.psql(setup.live, "SELECT count(*) FROM audit_events WHERE actor_identity = 'after-backup'") == "0")
            let old = setup.live.with(database: setup.oldName)
            #expect(try await Self.psql(old, "SELECT count(*) FROM audit_events WHERE actor_identity = 'live'") == "3")
            let (job, _) = try await Self.expectOneJobRanAsAProcess(client, namespace, exitCode: 0)
            let volume = job.spec?["template"]?["spec"]?["volumes"]?.arrayValue?.first
            #expect(volume?["persistentVolumeClaim"]?["claimName"]?.stringValue == claim)
            #expect(volume?["persistentVolumeClaim"]?["readOnly"]?.boolValue == true)
            try await Env.eventually("jitsudod is back at 2 replicas") {
                try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).spec.replicas == 2
            }
            try? FileManager.default.removeItem(at: directory)
        }
    }

    @Test func aJobWhoseCommandFailsFailsTheRestoreWithThePodsMessage() async throws {
        try await Env.withNamespace("opbadfile") { client, namespace in
            let setup = try await Self.setUp(client, namespace)
            let (claim, directory) = try await Self.createClaim(client, namespace)
            try Data("this is not gzip\n".utf8).write(to: directory.appendingPathComponent("daily/corrupt.sql.gz"))
            let operatorTask = Env.startOperator(client, namespace: namespace)
            defer { operatorTask.cancel() }
            try await Self.waitForTwoReadyPods(client, namespace)
            try await Self.createRestore(
                client, namespace, setup, source: ["file": ["persistentVolumeClaimName": .string(claim), "path": "daily/corrupt.sql.gz"]])
            try await Self.waitForRestore(client, namespace, "Failed")
            let status = try await Self.restore(client, namespace).status
            #expect(status?["failedPhase"] == "Restoring")
            let message = status?["message"]?.stringValue ?? ""
            #expect(message.contains("not in gzip format"), "the pod's own output names the problem: \(message)")
            #expect(message.contains("exit code 1"), "\(message)")
            let (job, _) = try await Self.expectOneJobRanAsAProcess(client, namespace, exitCode: 1)
            #expect(job.status?["failed"]?.intValue == 1)
            // The live database is untouched and nothing was renamed.
            #expect(try await Self.psql(setup.live, "SELECT count(*) FROM audit_events WHERE actor_identity = 'live'") == "3")
            #expect(!(try await Self.databases()).contains(setup.oldName))
            try await Env.eventually("jitsudod is scaled back on the untouched database") {
                try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).spec.replicas == 2
            }
            let events = try await Env.events(client, namespace)
            #expect(events.contains { $0.reason == "RestoreFailed" && $0.type == "Warning" })
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// psql obeys meta-commands in what it reads: a backup carrying `\!` (a shell in the Job's pod, which holds the
    /// admin URL) is refused before psql sees the line, and the restore fails with the line named.
    @Test func aBackupCarryingAPsqlShellEscapeIsRefusedBeforePsqlRunsIt() async throws {
        try await Env.withNamespace("opescape") { client, namespace in
            let setup = try await Self.setUp(client, namespace)
            let (claim, directory) = try await Self.createClaim(client, namespace)
            let marker = directory.appendingPathComponent("pwned")
            let backup = directory.appendingPathComponent("evil.sql")
            // A real dump, with a shell escape slipped in after its first SET (outside any COPY data).
            let dump = try await Subprocess.shell(
                "set -o pipefail; pg_dump --no-owner --no-privileges -d \"$URL\" | awk -v m=\"$MARKER\" '{ print } /^SET / && !done { print \"\\\\! touch \" m; done = 1 }' > \"$OUT\"",
                environment: ["URL": setup.source.urlString, "OUT": backup.path, "MARKER": marker.path])
            #expect(dump.status == 0, "\(dump.stderr)")
            let text = try String(contentsOf: backup, encoding: .utf8)
            #expect(text.contains("\\! touch \(marker.path)\n"), "the escape is in the file")
            let operatorTask = Env.startOperator(client, namespace: namespace)
            defer { operatorTask.cancel() }
            try await Self.createRestore(
                client, namespace, setup, source: ["file": ["persistentVolumeClaimName": .string(claim), "path": "evil.sql", "format": "Plain"]])
            try await Self.waitForRestore(client, namespace, "Failed")
            let status = try await Self.restore(client, namespace).status
            #expect(status?["failedPhase"] == "Restoring")
            let message = status?["message"]?.stringValue ?? ""
            #expect(message.contains("is the psql meta-command \\!") && message.contains("backup line"), "\(message)")
            #expect(!FileManager.default.fileExists(atPath: marker.path), "the shell escape never ran")
            _ = try await Self.expectOneJobRanAsAProcess(client, namespace, exitCode: 3)
            #expect(try await Self.psql(setup.live, "SELECT count(*) FROM audit_events WHERE actor_identity = 'live'") == "3")
            #expect(!(try await Self.databases()).contains(setup.oldName))
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// The 1.20 API server does not enforce the CRD's immutability rule: a restore whose spec was changed is stopped
    /// by the operator before it touches anything.
    @Test func aRestoreWhoseSpecWasChangedIsStoppedBeforeItTouchesAnything() async throws {
        try await Env.withNamespace("opchanged") { client, namespace in
            let setup = try await Self.setUp(client, namespace)
            try await Self.createRestore(client, namespace, setup)
            let change: JSONValue = ["spec": ["database": ["restoreName": "jitsudo_elsewhere"]]]
            let changed = try await client.patch(
                GenericResource.self, name: "restore-1", namespace: namespace, .merge(change), in: .jitsudoRestores)
            #expect(changed.metadata.generation == 2, "the API server accepted the change")
            let operatorTask = Env.startOperator(client, namespace: namespace)
            defer { operatorTask.cancel() }
            try await Self.waitForRestore(client, namespace, "Failed")
            let status = try await Self.restore(client, namespace).status
            #expect(status?["failedPhase"] == "Pending")
            #expect(status?["message"]?.stringValue?.contains("cannot be changed") == true, "\(String(describing: status))")
            #expect(try await Env.events(client, namespace).contains { $0.reason == "SpecChanged" && $0.type == "Warning" })
            try await Env.eventually("jitsudod runs 2 ready pods, never scaled down") {
                try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).status?.readyReplicas == 2
            }
            #expect(try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).spec.replicas == 2)
            #expect(try await Self.jobs(client, namespace).isEmpty)
            let databases = try await Self.databases()
            #expect(!databases.contains("jitsudo_elsewhere") && !databases.contains(setup.restoreName))
        }
    }

    @Test func aJobOfTheSameNameThatTheRestoreDoesNotOwnIsNeverAdopted() async throws {
        try await Env.withNamespace("opstale") { client, namespace in
            let setup = try await Self.setUp(client, namespace)
            // Left over by someone else: same name, no owner, a pod that never finishes (a simulated image).
            let jobName = "jitsudo-restore-restore-1"
            var stale = GenericResource(apiVersion: "batch/v1", kind: "Job", metadata: ObjectMeta(name: jobName, namespace: namespace))
            let container: JSONValue = ["name": "c", "image": "registry.invalid/sleeper:1", "command": ["sleep", "3600"]]
            stale.spec = ["backoffLimit": 0, "template": ["spec": ["restartPolicy": "Never", "containers": [container]]]]
            let staleUID = try await client.create(stale, in: .jobs).metadata.uid
            let metrics = OperatorMetrics()
            let operatorTask = Env.startOperator(client, namespace: namespace, metrics: metrics)
            defer { operatorTask.cancel() }
            try await Self.waitForTwoReadyPods(client, namespace)
            try await Self.createRestore(client, namespace, setup)
            try await Env.eventually("the restore reports the conflicting Job", timeout: .seconds(90)) {
                let status = try await Self.restore(client, namespace).status
                return status?["phase"] == "Restoring" && status?["message"]?.stringValue?.contains("does not belong to this JitsudoRestore") == true
            }
            let conditions = try await Self.restore(client, namespace).status?["conditions"]?.arrayValue ?? []
            #expect(conditions.contains { $0["type"] == "Degraded" && $0["status"] == "True" && $0["reason"] == "RestoreJobConflict" })
            #expect(try await Env.events(client, namespace).contains { $0.reason == "RestoreJobConflict" && $0.type == "Warning" })
            try await Env.waitForAWholePass(metrics, kind: "JitsudoRestore")
            // Nothing was started or adopted: the foreign Job is as it was, no restore database, jitsudod held at 0.
            #expect(try await Self.restore(client, namespace).status?["phase"] == "Restoring")
            #expect(try await client.get(GenericResource.self, name: jobName, namespace: namespace, in: .jobs).metadata.uid == staleUID)
            #expect(!(try await Self.databases()).contains(setup.restoreName))
            #expect(try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).spec.replicas == 0)
            // Once it is gone the restore creates its own Job and finishes.
            try await client.delete(name: jobName, namespace: namespace, options: DeleteOptions(propagationPolicy: "Background"), in: .jobs)
            try await Self.waitForRestore(client, namespace, "Completed")
            let (job, _) = try await Self.expectOneJobRanAsAProcess(client, namespace, exitCode: 0)
            #expect(job.metadata.uid != staleUID)
            #expect(try await Self.psql(setup.live, "SELECT count(*) FROM audit_events WHERE actor_identity = 'source'") == "5")
        }
    }

    @Test func aJobPastTheRestoresTimeoutIsStoppedWithItsWholePipeline() async throws {
        try await Env.withNamespace("optimeout") { client, namespace in
            let setup = try await Self.setUp(client, namespace)
            let locker = try Self.lockAuditEvents(of: setup.source)
            defer { if locker.isRunning { kill(locker.processIdentifier, SIGKILL) } }
            let operatorTask = Env.startOperator(client, namespace: namespace)
            defer { operatorTask.cancel() }
            try await Self.waitForTwoReadyPods(client, namespace)
            var restore = GenericResource(
                apiVersion: "jitsudo.dev/v1alpha1", kind: "JitsudoRestore", metadata: ObjectMeta(name: "restore-1", namespace: namespace))
            restore.spec = [
                "source": Self.pgDumpSource, "options": ["timeout": "4s"],
                "database": [
                    "adminSecretRef": ["name": "pg-admin"], "liveName": .string(setup.live.database), "restoreName": .string(setup.restoreName),
                    "oldName": .string(setup.oldName),
                ],
            ]
            _ = try await client.create(restore, in: .jitsudoRestores)
            // pg_dump waits for the lock: the pod's bash, pg_dump and psql run in one process group.
            var group: [Int32] = []
            try await Env.eventually("the Job's pipeline runs", timeout: .seconds(90)) {
                guard let job = try await Self.jobs(client, namespace).first, let pod = try await Self.pods(of: job, client, namespace).first,
                    let pid = pod.metadata.annotations?["fakelet.jitsudo.dev/pid"]
                else { return false }
                group = try await Subprocess.shell("pgrep -g \(pid)").stdout.split(separator: "\n").compactMap { Int32($0) }
                return group.count >= 3
            }
            let job = try #require(try await Self.jobs(client, namespace).first)
            #expect(job.spec?["activeDeadlineSeconds"]?.intValue == 4)
            try await Self.waitForRestore(client, namespace, "Failed")
            let status = try await Self.restore(client, namespace).status
            #expect(status?["failedPhase"] == "Restoring")
            // The Job controller ends the Job at its deadline and deletes the pod; the fakelet's SIGTERM stops the whole
            // group (within 25 s: the pod's grace period is the default 30 s, so a SIGKILL after it would be too late).
            try await Env.eventually("the Job failed at its deadline and every process of its pod is gone", timeout: .seconds(25)) {
                let job = try await Self.jobs(client, namespace).first
                let failed = (job?.status?["conditions"]?.arrayValue ?? []).contains { $0["type"] == "Failed" && $0["status"] == "True" }
                return failed && group.allSatisfy(Self.isGone)
            }
            #expect(try await Self.psql(setup.live, "SELECT count(*) FROM audit_events WHERE actor_identity = 'live'") == "3")
            try await Env.eventually("jitsudod is scaled back on the untouched database") {
                try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).spec.replicas == 2
            }
            _ = try await Self.psql(
                setup.source, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'jitsudo-test-locker'")
        }
    }

    @Test func aTamperedChainFailsTheRestoreAndLeavesTheLiveDatabaseUntouched() async throws {
        try await Env.withNamespace("optamper") { client, namespace in
            let setup = try await Self.setUp(client, namespace)
            // Tampering as a superuser would: past the append-only trigger.
            _ = try await Self.psql(
                setup.source,
                "SET session_replication_role = replica; UPDATE audit_events SET actor_identity = 'mallory' WHERE id = (SELECT min(id) + 1 FROM audit_events)"
            )
            let tamperedID = try await Self.psql(setup.source, "SELECT id FROM audit_events WHERE actor_identity = 'mallory'")
            let operatorTask = Env.startOperator(client, namespace: namespace)
            defer { operatorTask.cancel() }
            try await Self.waitForTwoReadyPods(client, namespace)
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
                _ = try await client.patch(
                    Pod.self, name: pod.metadata.name ?? "", namespace: namespace,
                    .merge(["metadata": ["annotations": ["fakelet.jitsudo.dev/stuck-terminating": "true"]]]))
            }
            try await Self.createRestore(client, namespace, setup)
            let watch = EarlyScaleUpWatch()
            let sampler = watch.start(client, namespace)
            defer { sampler.cancel() }
            try await Env.eventually("the restore waits for the pods") {
                try await Self.restore(client, namespace).status?["phase"]?.stringValue == "WaitingForPods"
            }
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            for pod in try await client.list(Pod.self, namespace: namespace, options: .labels(["app": "jitsudod"])).items {
                _ = try await client.patch(
                    Pod.self, name: pod.metadata.name ?? "", namespace: namespace,
                    .merge(["metadata": ["annotations": ["fakelet.jitsudo.dev/stuck-terminating": nil]]]))
            }
            // With no operator running, the pods finish terminating: what the restore waited for happened, and still
            // nothing scaled jitsudod up or moved the restore on.
            try await Env.eventually("the old pods are gone") {
                try await client.list(Pod.self, namespace: namespace, options: .labels(["app": "jitsudod"])).items.isEmpty
            }
            #expect(try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).spec.replicas == 0)
            #expect(try await Self.restore(client, namespace).status?["phase"]?.stringValue == "WaitingForPods")
            // A session holding an exclusive lock on the source's audit table keeps the Job's pg_dump waiting: the
            // second operator is killed while its Job runs.
            let locker = try Self.lockAuditEvents(of: setup.source)
            defer { if locker.isRunning { kill(locker.processIdentifier, SIGKILL) } }
            try await Env.eventually("the lock is held") {
                try await Self.psql(
                    setup.source,
                    """
                    SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'jitsudo-test-locker' \
                    AND l.mode = 'AccessExclusiveLock' AND l.granted AND l.relation = 'audit_events'::regclass
                    """) == "1"
            }
            first = try Env.spawnOperator(namespace: namespace, identity: "operator-b", port: port)
            var runningJob: GenericResource?
            try await Env.eventually("the restarted operator's Job runs pg_dump", timeout: .seconds(90)) {
                guard try await Self.restore(client, namespace).status?["phase"]?.stringValue == "Restoring",
                    let job = try await Self.jobs(client, namespace).first, job.status?["active"]?.intValue == 1
                else { return false }
                runningJob = job
                return try await Self.pods(of: job, client, namespace).first?.status?.phase == "Running"
            }
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            _ = try await Self.psql(
                setup.source, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'jitsudo-test-locker'")
            first = try Env.spawnOperator(namespace: namespace, identity: "operator-c", port: port)
            try await Env.eventually("the third operator completes the restore", timeout: .seconds(120)) {
                try await Self.restore(client, namespace).status?["phase"]?.stringValue == "Completed"
            }
            sampler.cancel()
            #expect(watch.violations.withLock { $0 }.isEmpty, "\(watch.violations.withLock { $0 })")
            #expect(try await Self.psql(setup.live, "SELECT count(*) FROM audit_events WHERE actor_identity = 'source'") == "5")
            #expect(try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).spec.replicas == 2)
            // The operators resumed by watching the one Job: never a second Job, never a second pod.
            let (job, _) = try await Self.expectOneJobRanAsAProcess(client, namespace, exitCode: 0)
            #expect(job.metadata.uid == runningJob?.metadata.uid)
            let lease = try await client.get(Lease.self, name: "jitsudo-operator", namespace: namespace)
            #expect(lease.spec?.holderIdentity == "operator-c")
            // The third operator counted the steps it executed (ScalingUp's scale, at least).
            let (_, metrics) = try await Env.get(port: port, "/metrics")
            #expect(metrics.contains(#"jitsudo_operator_steps_total{kind="JitsudoRestore",step="scaleDeployment"}"#), "\(metrics)")
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
            // The leader keeps renewing for more than a lease duration: the standby, which checks the lease every
            // retry period, never takes it.
            let leader = try #require(try await leaders().first)
            let first = try await client.get(Lease.self, name: "jitsudo-operator", namespace: namespace)
            let firstRenewal = try #require(first.spec?.renewTime)
            let leaseSeconds = Double(first.spec?.leaseDurationSeconds ?? 3)
            try await Env.eventually("the lease is renewed past one lease duration") {
                let renewed = try await client.get(Lease.self, name: "jitsudo-operator", namespace: namespace).spec?.renewTime ?? firstRenewal
                return renewed.timeIntervalSince(firstRenewal) > leaseSeconds
            }
            #expect(try await leaders() == [leader], "still one leader after more than a lease duration")
            let lease = try await client.get(Lease.self, name: "jitsudo-operator", namespace: namespace)
            #expect(lease.spec?.holderIdentity == "replica-\(leader)")
            #expect(lease.spec?.leaseTransitions == first.spec?.leaseTransitions, "never changed hands")
            // The leader stops (SIGTERM releases the Lease): the other takes over.
            kill(processes[leader].processIdentifier, SIGTERM)
            processes[leader].waitUntilExit()
            try await Env.eventually("the other replica leads", timeout: .seconds(30)) { try await leaders() == [1 - leader] }
            #expect(try await client.get(Lease.self, name: "jitsudo-operator", namespace: namespace).spec?.holderIdentity == "replica-\(1 - leader)")
        }
    }
}
