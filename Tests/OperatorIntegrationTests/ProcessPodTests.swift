import Foundation
import JitsudoOperator
import JitsudoStore
import JitsudoTesting
import KubernetesClient
import LocalPostgres
import OperatorCore
import SwiftASN1
import Testing
import X509

/// The fakelet runs the pods of the `localhost/jitsudod` image as real jitsudod processes (scripts/kube-testenv.sh
/// maps that image to the built binary): a JitsudoCluster with a real database yields daemons that answer on
/// loopback with the operator's certificate; a rollout replaces them with new processes; a scale to 0 stops them.
@Suite(.serialized) struct ProcessPodTests {
    /// A pod's process as the fakelet recorded it.
    struct Daemon: Hashable {
        var pod: String
        var pid: Int32
        var port: Int
    }

    static func daemons(_ client: KubernetesClient, _ namespace: String) async throws -> [Daemon] {
        try await client.list(Pod.self, namespace: namespace, options: ListOptions(labelSelector: "app=jitsudod")).items.compactMap { pod in
            guard pod.metadata.deletionTimestamp == nil, pod.isReady, let annotations = pod.metadata.annotations,
                let pid = annotations["fakelet.jitsudo.dev/pid"].flatMap(Int32.init),
                let port = annotations["fakelet.jitsudo.dev/port"].flatMap(Int.init)
            else { return nil }
            return Daemon(pod: pod.metadata.name ?? "", pid: pid, port: port)
        }
    }

    /// The executable of a live process (nil once it is gone).
    static func executable(of pid: Int32) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
    }

    /// `curl` of `path` on the daemon over HTTPS, verifying the served certificate against the `ca.crt` of
    /// `jitsudo-tls` for the Service's DNS name: (HTTP status, body). Status 0 when nothing answers.
    static func get(_ daemon: Daemon, _ path: String, namespace: String, caFile: String) async throws -> (Int, String) {
        let host = "jitsudod.\(namespace).svc"
        let result = try await Subprocess.shell(
            "curl -s --max-time 5 --cacert \"$CA\" --resolve \(host):\(daemon.port):127.0.0.1 -o - -w '\\n%{http_code}' https://\(host):\(daemon.port)\(path)",
            environment: ["CA": caFile])
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    @Test func aDaemonThatCannotStartLeavesItsPodNotReadyWithTheReason() async throws {
        try await Env.withNamespace("oppodsbad") { client, namespace in
            let database = try await TestPostgres.shared.createDatabase()
            // No credentials_key: jitsudod refuses to start, naming it.
            try await Self.createCluster(client, namespace, databaseURL: database.urlString, config: "oidc:\n  issuer: https://idp.invalid\n")
            let operatorTask = Env.startOperator(client, namespace: namespace)
            defer { operatorTask.cancel() }
            try await Env.eventually("the pod reports the daemon's exit and is restarted, not ready") {
                let pods = try await client.list(Pod.self, namespace: namespace, options: ListOptions(labelSelector: "app=jitsudod")).items
                guard pods.count == 1, let pod = pods.first, let status = pod.status?.containerStatuses?.first else { return false }
                return !pod.isReady && pod.status?.phase == "Running" && (status["restartCount"]?.intValue ?? 0) >= 1
                    && (pod.status?.message ?? "").contains("credentials_key is required")
            }
            #expect(try await Env.cluster(client, namespace).status?["phase"]?.stringValue != "Ready")
        }
    }

    /// Issue 19's held rollout on the test bed: a configuration whose new pod never becomes ready (jitsudod refuses
    /// to start without its credentials key) is held by the deployment controller (`maxUnavailable: 0`) — the old
    /// daemon keeps answering `/readyz` — and once `spec.progressDeadlineSeconds` (here 10 s) passes the cluster is
    /// Degraded with reason RolloutStuck and one Warning Event; reverting the configuration brings it back to Ready.
    @Test func aRolloutWhoseNewPodsNeverBecomeReadyIsHeldWithTheOldDaemonServingAndReported() async throws {
        try await Env.withNamespace("opheld") { client, namespace in
            let database = try await TestPostgres.shared.createDatabase()
            try await Self.createCluster(client, namespace, databaseURL: database.urlString)
            _ = try await client.patch(
                GenericResource.self, name: "jitsudod", namespace: namespace, .merge(["spec": ["progressDeadlineSeconds": 10]]),
                in: .jitsudoClusters)
            let operatorTask = Env.startOperator(client, namespace: namespace)
            let caFile = NSTemporaryDirectory() + "opheld-ca-\(UUID().uuidString).crt"
            defer {
                operatorTask.cancel()
                try? FileManager.default.removeItem(atPath: caFile)
            }
            try await Env.eventually("the JitsudoCluster is Ready with a real daemon", timeout: .seconds(120)) {
                try await Env.cluster(client, namespace).status?["phase"]?.stringValue == "Ready"
            }
            let deployment = try await client.get(Deployment.self, name: "jitsudod", namespace: namespace)
            #expect(deployment.spec.progressDeadlineSeconds == 10)
            let tls = try await client.get(Secret.self, name: "jitsudo-tls", namespace: namespace)
            try #require(tls.decodedData["ca.crt"]).write(to: URL(fileURLWithPath: caFile))
            var serving: [Daemon] = []
            try await Env.eventually("the daemon is ready") {
                serving = try await Self.daemons(client, namespace)
                return serving.count == 1
            }
            let old = try #require(serving.first)

            let broken = "oidc:\n  issuer: https://idp.invalid\n"  // no credentials_key: the new daemon refuses to start
            _ = try await client.patch(
                GenericResource.self, name: "jitsudod", namespace: namespace, .merge(["spec": ["config": ["inline": .string(broken)]]]),
                in: .jitsudoClusters)
            var degraded: JSONValue?
            try await Env.eventually("the JitsudoCluster is Degraded with reason RolloutStuck", timeout: .seconds(90)) {
                let cluster = try await Env.cluster(client, namespace)
                degraded = cluster.status?["conditions"]?.arrayValue?.first { $0["type"] == "Degraded" && $0["status"] == "True" }
                return cluster.status?["phase"]?.stringValue == "Degraded" && degraded?["reason"]?.stringValue == "RolloutStuck"
            }
            let message = degraded?["message"]?.stringValue ?? ""
            #expect(message.contains("old replicas keep serving"), "\(message)")
            // Held, not broken: the old daemon is the one ready pod and still answers; the new one crash-loops beside it.
            #expect(try await Self.daemons(client, namespace) == [old])
            let (ready, body) = try await Self.get(old, "/readyz", namespace: namespace, caFile: caFile)
            #expect(ready == 200, "\(body)")
            let pods = try await client.list(Pod.self, namespace: namespace, options: ListOptions(labelSelector: "app=jitsudod")).items
            #expect(pods.count == 2 && pods.filter(\.isReady).count == 1, "\(pods.map { $0.metadata.name ?? "" })")
            let events = try await Env.events(client, namespace).filter { $0.reason == "RolloutStuck" }
            #expect(events.count == 1 && events.first?.type == "Warning", "\(events.map(\.note))")

            _ = try await client.patch(
                GenericResource.self, name: "jitsudod", namespace: namespace, .merge(["spec": ["config": ["inline": .string(Self.config)]]]),
                in: .jitsudoClusters)
            try await Env.eventually("reverting the configuration makes the JitsudoCluster Ready again", timeout: .seconds(120)) {
                try await Env.cluster(client, namespace).status?["phase"]?.stringValue == "Ready"
            }
        }
    }

    /// Runbook 6 against a real crash-looping daemon: "CrashLoopBackOff with 'database connection refused'". The
    /// commands as written (`kubectl get pods -l app=jitsudod`, `kubectl describe pod <pod-name>`, `kubectl logs
    /// <pod-name> --previous`) show the daemon's own error; the fix (the DATABASE_URL Secret) and `kubectl rollout
    /// restart deployment/jitsudod` + `kubectl rollout status deployment/jitsudod` bring back a daemon that answers
    /// /healthz.
    @Test func runbookSixFindsTheCrashLoopsCauseInThePreviousLogsAndAForceRestartAfterTheFixBringsItBack() async throws {
        try await Env.withNamespace("oprunbook6") { client, namespace in
            let database = try await TestPostgres.shared.createDatabase()
            let refused = "postgres://jitsudo_app:secret@127.0.0.1:\(try PostgresCluster.freePort())/jitsudo"
            try await Self.createCluster(client, namespace, databaseURL: refused)
            let operatorTask = Env.startOperator(client, namespace: namespace)
            let kubectl = try Kubectl()
            let caFile = NSTemporaryDirectory() + "oprunbook6-ca-\(UUID().uuidString).crt"
            defer {
                operatorTask.cancel()
                kubectl.cleanUp()
                try? FileManager.default.removeItem(atPath: caFile)
            }
            try await Env.eventually("the daemon crashed and was restarted at least once", timeout: .seconds(60)) {
                let pods = try await client.list(Pod.self, namespace: namespace, options: ListOptions(labelSelector: "app=jitsudod")).items
                return pods.count == 1 && (pods.first?.status?.containerStatuses?.first?["restartCount"]?.intValue ?? 0) >= 1
            }

            // 1. Check pod status — verbatim, with <pod-name> filled in.
            let diagnosis = try await kubectl.shell(
                """
                set -e
                kubectl -n \(namespace) get pods -l app=jitsudod
                POD=$(kubectl -n \(namespace) get pods -l app=jitsudod -o jsonpath='{.items[0].metadata.name}')
                echo "--- describe"
                kubectl -n \(namespace) describe pod "$POD"
                echo "--- previous"
                kubectl -n \(namespace) logs "$POD" --previous
                """)
            #expect(diagnosis.status == 0, "runbook 6 step 1: \(diagnosis.stderr)")
            let previous = diagnosis.stdout.components(separatedBy: "--- previous").last ?? ""
            #expect(previous.contains("database connection refused"), "kubectl logs --previous shows the daemon's error: \(previous)")
            let describe = diagnosis.stdout.components(separatedBy: "--- describe").last ?? ""
            // kubectl aligns the columns; compare words.
            let rows = describe.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
            #expect(rows.contains("Last State: Terminated") && rows.contains("Exit Code: 1") && rows.contains("Reason: Error"), "\(describe)")
            #expect(rows.contains { $0.hasPrefix("Message: Error: database connection refused") }, "\(describe)")

            // 2. The fix (DATABASE_URL), 3. force restart, 4. monitor the rollout.
            let fix = try await kubectl.shell(
                """
                set -e
                kubectl -n \(namespace) create secret generic jitsudo-database --from-literal=url="$URL" --dry-run=client -o yaml | kubectl -n \(namespace) apply -f -
                kubectl -n \(namespace) rollout restart deployment/jitsudod
                kubectl -n \(namespace) rollout status deployment/jitsudod --timeout=120s
                """, environment: ["URL": database.urlString])
            #expect(fix.status == 0, "runbook 6 steps 3-4: \(fix.stderr)")

            // 5. Verify health.
            let tls = try await client.get(Secret.self, name: "jitsudo-tls", namespace: namespace)
            try #require(tls.decodedData["ca.crt"]).write(to: URL(fileURLWithPath: caFile))
            var daemons: [Daemon] = []
            try await Env.eventually("one ready daemon") {
                daemons = try await Self.daemons(client, namespace)
                return daemons.count == 1
            }
            let (health, body) = try await Self.get(daemons[0], "/healthz", namespace: namespace, caFile: caFile)
            #expect(health == 200, "/healthz after the fix: \(health) \(body)")
            let current = try await kubectl.run(["logs", daemons[0].pod, "-n", namespace])
            #expect(current.status == 0 && !current.stdout.contains("database connection refused"), "\(current.stdout) \(current.stderr)")
        }
    }

    /// Runbook 2's manual rotation against real daemons: the new Secret reaches the running processes' files and
    /// jitsudod's hot reload serves it, with the same pids (the grace period is long, so no restart happens first).
    @Test func aRotatedCertificateIsServedByTheRunningDaemonsHotReload() async throws {
        try await Env.withNamespace("oppodstls") { client, namespace in
            let database = try await TestPostgres.shared.createDatabase()
            try await Self.createCluster(client, namespace, databaseURL: database.urlString, grace: "10m")
            let operatorTask = Env.startOperator(client, namespace: namespace)
            let kubectl = try Kubectl()
            defer {
                operatorTask.cancel()
                kubectl.cleanUp()
            }
            var daemons: [Daemon] = []
            try await Env.eventually("one ready daemon", timeout: .seconds(120)) {
                daemons = try await Self.daemons(client, namespace)
                return daemons.count == 1
            }
            let host = "jitsudod.\(namespace).svc"
            let rotate = try await kubectl.shell(
                """
                set -e
                openssl req -x509 -newkey rsa:2048 -keyout new-server.key -out new-server.crt -days 90 -nodes -subj "/CN=\(host)" \
                    -addext "subjectAltName=DNS:jitsudod,DNS:jitsudod.\(namespace),DNS:\(host),DNS:\(host).cluster.local" 2>/dev/null
                kubectl -n \(namespace) create secret tls jitsudo-tls --cert=new-server.crt --key=new-server.key --dry-run=client -o yaml | kubectl -n \(namespace) apply -f -
                for i in $(seq 1 150); do
                    if curl -s --max-time 2 --cacert new-server.crt --resolve \(host):\(daemons[0].port):127.0.0.1 -o /dev/null https://\(host):\(daemons[0].port)/healthz; then
                        echo served; exit 0
                    fi
                    sleep 0.2
                done
                echo "the new certificate was not served within 30 s" >&2; exit 1
                """)
            #expect(rotate.status == 0 && rotate.stdout.contains("served"), "\(rotate.stdout) \(rotate.stderr)")
            let after = try await Self.daemons(client, namespace)
            #expect(after == daemons, "the same process serves the new certificate: \(daemons) → \(after)")

            // The operator asked the pod, saw the new serial served, and restarted nothing (grace period 10m).
            let served = try await client.get(Secret.self, name: "jitsudo-tls", namespace: namespace)
            let pem = String(decoding: served.decodedData["tls.crt"] ?? Data(), as: UTF8.self)
            let serial = try Hex.text(Certificate(pemEncoded: pem).serialNumber.bytes)
            try await Env.eventually("the status says the certificate was hot-reloaded", timeout: .seconds(60)) {
                let tls = try await Env.cluster(client, namespace).status?["tls"]
                return tls?["servingSerial"]?.stringValue == serial && tls?["reloadMethod"] == "HotReload"
            }
            let events = try await Env.events(client, namespace)
            #expect(events.contains { $0.reason == "CertificateHotReloaded" && ($0.note ?? "").contains(serial) }, "\(events.map(\.reason))")
            #expect(!events.contains { $0.reason == "RollingRestart" })
            let template = try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).spec.template.metadata?.annotations ?? [:]
            #expect(template["jitsudo.dev/tls-serial"] == nil && template["kubectl.kubernetes.io/restartedAt"] == nil, "\(template)")
            #expect(try await Self.daemons(client, namespace) == daemons, "no pod was replaced")
        }
    }

    static let config = """
        log_level: warning
        credentials_key: \(Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString())
        database_max_connections: 4
        oidc:
          issuer: https://idp.invalid
        tls:
          cert_file: /etc/jitsudo/tls/tls.crt
          key_file: /etc/jitsudo/tls/tls.key

        """

    /// The database Secret (`databaseURL`) and a JitsudoCluster `jitsudod` of the `localhost/jitsudod` image, whose pods
    /// the fakelet runs as real daemons. The TLS paths in ``config`` are the pod's mount paths: the fakelet
    /// materialises the jitsudo-tls Secret and rewrites them.
    static func createCluster(
        _ client: KubernetesClient, _ namespace: String, replicas: Int = 1, databaseURL: String, config: String = config, grace: String? = nil
    ) async throws {
        var secret = GenericResource(apiVersion: "v1", kind: "Secret", metadata: ObjectMeta(name: "jitsudo-database", namespace: namespace))
        secret.body["stringData"] = ["url": .string(databaseURL)]
        _ = try await client.create(secret, in: .secrets)
        var cluster = GenericResource(
            apiVersion: "jitsudo.dev/v1alpha1", kind: "JitsudoCluster", metadata: ObjectMeta(name: "jitsudod", namespace: namespace))
        cluster.spec = [
            "replicas": .number(Double(replicas)), "image": "localhost/jitsudod:dev",
            "config": ["inline": .string(config)],
            "database": ["secretRef": ["name": "jitsudo-database"]],
        ]
        if let grace { cluster.spec?["tls"] = ["reloadGracePeriod": .string(grace)] }
        _ = try await client.create(cluster, in: .jitsudoClusters)
    }

    @Test func aClusterRunsRealJitsudodProcessesThatRollAndScaleToZero() async throws {
        try await Env.withNamespace("oppods") { client, namespace in
            let database = try await TestPostgres.shared.createDatabase()
            try await Self.createCluster(client, namespace, replicas: 2, databaseURL: database.urlString, grace: "1s")
            let operatorTask = Env.startOperator(client, namespace: namespace)
            let kubectl = try Kubectl()
            let caFile = NSTemporaryDirectory() + "oppods-ca-\(UUID().uuidString).crt"
            defer {
                operatorTask.cancel()
                kubectl.cleanUp()
                try? FileManager.default.removeItem(atPath: caFile)
            }
            func ok(_ arguments: [String]) async throws -> String {
                let result = try await kubectl.run(arguments + ["-n", namespace])
                #expect(result.status == 0, "kubectl \(arguments.joined(separator: " ")): \(result.stderr)")
                return result.stdout
            }

            do {
                try await Env.eventually("the JitsudoCluster is Ready with real daemons", timeout: .seconds(120)) {
                    try await Env.cluster(client, namespace).status?["phase"]?.stringValue == "Ready"
                }
            } catch {
                let pods = try await client.list(Pod.self, namespace: namespace).items
                Issue.record("pods: \(pods.map { "\($0.metadata.name ?? ""): \($0.status?.phase ?? "") \($0.status?.message ?? "")" })")
                throw error
            }
            _ = try await ok(["rollout", "status", "deployment/jitsudod", "--timeout=120s"])
            let tls = try await client.get(Secret.self, name: "jitsudo-tls", namespace: namespace)
            try #require(tls.decodedData["ca.crt"]).write(to: URL(fileURLWithPath: caFile))

            var first: [Daemon] = []
            try await Env.eventually("two ready pods carry their process's pid and port") {
                first = try await Self.daemons(client, namespace)
                return first.count == 2
            }
            for daemon in first {
                let exe = try #require(Self.executable(of: daemon.pid), "pod \(daemon.pod): no process \(daemon.pid)")
                #expect(exe.hasSuffix("/jitsudod"), "pod \(daemon.pod) runs \(exe)")
                let (health, healthBody) = try await Self.get(daemon, "/healthz", namespace: namespace, caFile: caFile)
                #expect(health == 200, "pod \(daemon.pod) /healthz: \(health) \(healthBody)")
                let (ready, readyBody) = try await Self.get(daemon, "/readyz", namespace: namespace, caFile: caFile)
                #expect(ready == 200, "pod \(daemon.pod) /readyz: \(ready) \(readyBody)")
            }
            #expect(Set(first.map(\.port)).count == 2 && Set(first.map(\.pid)).count == 2)
            let wide = try await ok(["get", "pods", "-l", "app=jitsudod", "-o", "wide"])
            #expect(
                wide.split(separator: "\n").filter { $0.contains("Running") && $0.contains("1/1") && $0.contains("127.0.0.1") }.count == 2, "\(wide)")

            // A daemon that dies is restarted in its pod (restartPolicy Always): a new process, restart count 1, ready again.
            let victim = first[0]
            #expect(kill(victim.pid, SIGKILL) == 0)
            try await Env.eventually("pod \(victim.pod) runs a new process after its daemon was killed") {
                let pod = try await client.get(Pod.self, name: victim.pod, namespace: namespace)
                let pid = pod.metadata.annotations?["fakelet.jitsudo.dev/pid"].flatMap(Int32.init)
                return pod.isReady && pid != nil && pid != victim.pid && pod.status?.containerStatuses?.first?["restartCount"]?.intValue == 1
            }
            first = try await Self.daemons(client, namespace)
            #expect(first.count == 2)
            for daemon in first where daemon.pod == victim.pod {
                let (health, body) = try await Self.get(daemon, "/healthz", namespace: namespace, caFile: caFile)
                #expect(health == 200, "restarted daemon of \(daemon.pod) /healthz: \(health) \(body)")
            }

            // A rollout replaces the daemons with new processes; the old ones are stopped (SIGTERM) and gone.
            _ = try await ok(["rollout", "restart", "deployment/jitsudod"])
            _ = try await ok(["rollout", "status", "deployment/jitsudod", "--timeout=120s"])
            var second: [Daemon] = []
            try await Env.eventually("two new daemons replace the old ones", timeout: .seconds(90)) {
                second = try await Self.daemons(client, namespace)
                return second.count == 2 && Set(second.map(\.pod)).isDisjoint(with: first.map(\.pod))
                    && first.allSatisfy { Self.executable(of: $0.pid) == nil }
            }
            #expect(Set(second.map(\.pid)).isDisjoint(with: first.map(\.pid)), "new pids: \(first) → \(second)")
            for daemon in second {
                let (health, body) = try await Self.get(daemon, "/healthz", namespace: namespace, caFile: caFile)
                #expect(health == 200, "pod \(daemon.pod) /healthz after the rollout: \(health) \(body)")
            }
            for daemon in first {
                let (status, _) = try await Self.get(daemon, "/healthz", namespace: namespace, caFile: caFile)
                #expect(status == 0, "the old daemon of \(daemon.pod) still answers on \(daemon.port)")
            }

            // Runbook 3, step 1, verbatim, with the operator running (it leaves a person's count alone).
            let down = try await kubectl.shell(
                """
                set -e
                kubectl -n \(namespace) scale deployment jitsudod --replicas=0
                kubectl -n \(namespace) wait --for=delete pod -l app=jitsudod --timeout=60s
                """)
            #expect(down.status == 0, "scale to 0: \(down.stderr)")
            try await Env.eventually("no jitsudod process is left") { second.allSatisfy { Self.executable(of: $0.pid) == nil } }
            for daemon in second {
                let (status, _) = try await Self.get(daemon, "/healthz", namespace: namespace, caFile: caFile)
                #expect(status == 0, "the daemon of \(daemon.pod) still answers after the scale to 0")
            }
            try await Env.eventually("the operator reports the stop by hand") {
                try await Env.cluster(client, namespace).status?["phase"] == "ScaledByHand"
            }
            #expect(try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).spec.replicas == 0)

            // Steps 7 and 8: scaled back by hand, real daemons answer /healthz again.
            let up = try await kubectl.shell(
                """
                set -e
                kubectl -n \(namespace) scale deployment jitsudod --replicas=2
                kubectl -n \(namespace) rollout status deployment/jitsudod --timeout=120s
                kubectl -n \(namespace) get pods -l app=jitsudod
                """)
            #expect(up.status == 0, "scale back to 2: \(up.stderr)")
            var third: [Daemon] = []
            try await Env.eventually("two daemons run again") {
                third = try await Self.daemons(client, namespace)
                return third.count == 2
            }
            for daemon in third {
                let (health, body) = try await Self.get(daemon, "/healthz", namespace: namespace, caFile: caFile)
                #expect(health == 200, "pod \(daemon.pod) /healthz after the scale back: \(health) \(body)")
            }
            try await Env.eventually("the JitsudoCluster is Ready again") {
                try await Env.cluster(client, namespace).status?["phase"] == "Ready"
            }
        }
    }
}
