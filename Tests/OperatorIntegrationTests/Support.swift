import Foundation
import JitsudoOperator
import JitsudoStore
import JitsudoTesting
import KubernetesClient
import LocalPostgres
import Logging
import Testing

/// The Kubernetes test environment of scripts/with-kube-testenv.sh and the PostgreSQL of scripts/with-test-postgres.sh.
enum Env {
    struct Unavailable: Error, CustomStringConvertible { let description: String }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The kubeconfig of the test API server. Without it every test here FAILS with the reason (never skipped).
    static func kubeconfig() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["JITSUDO_TEST_KUBECONFIG"], !path.isEmpty { return path }
        if let reason = environment["JITSUDO_TEST_KUBE_UNAVAILABLE"] {
            throw Unavailable(description: "the Kubernetes test environment could not be started: \(reason)")
        }
        throw Unavailable(description: "JITSUDO_TEST_KUBECONFIG is not set: run through `make test` (scripts/with-kube-testenv.sh)")
    }

    /// The fakelet's `--volume-root`: a persistentVolumeClaim named C is the host directory `<root>/C`.
    static func volumeRoot() throws -> URL {
        _ = try kubeconfig()
        guard let path = ProcessInfo.processInfo.environment["JITSUDO_TEST_KUBE_VOLUME_ROOT"], !path.isEmpty else {
            throw Unavailable(description: "JITSUDO_TEST_KUBE_VOLUME_ROOT is not set: run through scripts/with-kube-testenv.sh")
        }
        return URL(fileURLWithPath: path)
    }

    /// The superuser URL of the test PostgreSQL (its `postgres` database).
    static func adminURL() async throws -> DatabaseURL {
        try await TestPostgres.shared.serverURL().with(database: "postgres")
    }

    static func client() throws -> KubernetesClient {
        var logger = Logger(label: "operator-tests")
        logger.logLevel = .warning
        return try KubernetesClient(configuration: try KubernetesConfiguration.fromKubeconfig(at: try kubeconfig()), logger: logger)
    }

    /// The CRDs of the chart, applied for real (idempotent) and established.
    static func installCRDs(_ client: KubernetesClient) async throws {
        let kubectl = try Kubectl()
        defer { kubectl.cleanUp() }
        // Suites run in parallel: two first applies can race (both see "not found", one create loses with AlreadyExists);
        // the next apply then finds the object and succeeds.
        var result = try await kubectl.run(["apply", "--validate=false", "-f", root.appendingPathComponent("helm/jitsudo/crds").path])
        for _ in 0..<3 where result.status != 0 && result.stderr.contains("AlreadyExists") {
            result = try await kubectl.run(["apply", "--validate=false", "-f", root.appendingPathComponent("helm/jitsudo/crds").path])
        }
        guard result.status == 0 else { throw Unavailable(description: "kubectl apply of the CRDs failed: \(result.stderr)") }
        for name in ["jitsudoclusters.jitsudo.dev", "jitsudorestores.jitsudo.dev"] {
            try await eventually("CRD \(name) is established") {
                (try? await client.get(CustomResourceDefinition.self, name: name))?.isEstablished == true
            }
        }
    }

    /// Runs `body` in a fresh namespace with the CRDs installed (namespace deleted afterwards).
    static func withNamespace(_ prefix: String, _ body: (KubernetesClient, String) async throws -> Void) async throws {
        let client = try client()
        let name = "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try await installCRDs(client)
            _ = try await client.create(Namespace(name: name))
            try await body(client, name)
        } catch {
            try? await client.delete(Namespace.self, name: name)
            try? await client.shutdown()
            throw error
        }
        try? await client.delete(Namespace.self, name: name)
        try await client.shutdown()
    }

    /// Polls `condition` every 200 ms until it holds or `timeout` passes (then the test fails naming `what`). Errors of
    /// the condition count as "not yet" (an object not created yet), except ``Unavailable``, which a condition throws
    /// to stop waiting at once (a restore that failed will never complete).
    static func eventually(_ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            do {
                if try await condition() { return }
            } catch let error as Unavailable {
                throw error
            } catch {}
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("timed out after \(timeout) waiting until \(what)")
        throw Unavailable(description: "timed out waiting until \(what)")
    }

    /// The operator's leader work in process (no election), until the returned task is cancelled; it counts into
    /// `metrics`.
    static func startOperator(_ client: KubernetesClient, namespace: String, metrics: OperatorMetrics = OperatorMetrics()) -> Task<Void, Never> {
        var logger = Logger(label: "operator")
        logger.logLevel = .warning
        var options = OperatorOptions(namespace: namespace, identity: "in-process")
        options.resync = .seconds(2)
        // The fakelet's process pods all listen on 127.0.0.1, each on its own port, written in this annotation.
        options.podPortAnnotation = "fakelet.jitsudo.dev/port"
        let controller = OperatorController(client: client, options: options, metrics: metrics, logger: logger)
        return Task { try? await controller.lead() }
    }

    /// Waits until the in-process operator counting into `metrics` has reconciled every object of `kind` in at least
    /// one whole pass that began after this call: what "it looked again and did nothing" waits for, not a fixed time.
    static func waitForAWholePass(_ metrics: OperatorMetrics, kind: String) async throws {
        func passes() -> Double {
            metrics.value("jitsudo_operator_reconciles_total", labels: ["kind": kind, "outcome": "ok"])
                + metrics.value("jitsudo_operator_reconciles_total", labels: ["kind": kind, "outcome": "error"])
        }
        // The pass under way may have reconciled the object before this call: the second one after it has not.
        let before = passes()
        try await eventually("the operator reconciled every \(kind) again") { passes() >= before + 2 }
    }

    /// The built `jitsudo-operator` next to the test bundle (or $JITSUDO_OPERATOR_BINARY).
    static var operatorBinary: String {
        if let path = ProcessInfo.processInfo.environment["JITSUDO_OPERATOR_BINARY"] { return path }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.deletingLastPathComponent()
        return bundle.appendingPathComponent("jitsudo-operator").path
    }

    static func freePort() throws -> Int { try PostgresCluster.freePort() }

    /// A `jitsudo-operator` process against the test API server.
    static func spawnOperator(namespace: String, identity: String, port: Int) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: operatorBinary)
        process.arguments = [
            "--kubeconfig", try kubeconfig(), "--namespace", namespace, "--identity", identity, "--metrics-port", String(port),
            "--metrics-host", "127.0.0.1", "--lease-duration-seconds", "3", "--log-level", "warning",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.standardError
        try process.run()
        return process
    }

    /// GET of the operator's `path` on loopback with curl: (HTTP status, body).
    static func get(port: Int, _ path: String) async throws -> (Int, String) {
        let result = try await Subprocess.shell("curl -s -o - -w '\\n%{http_code}' http://127.0.0.1:\(port)\(path)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    /// A test JitsudoCluster `jitsudod` with inline config and its database Secret.
    static func createCluster(_ client: KubernetesClient, _ namespace: String, replicas: Int = 2, grace: String = "1s") async throws {
        var secret = GenericResource(apiVersion: "v1", kind: "Secret", metadata: ObjectMeta(name: "jitsudo-database", namespace: namespace))
        secret.body["stringData"] = ["url": "postgres://jitsudo_app:secret@127.0.0.1:5432/jitsudo"]
        _ = try await client.create(secret, in: .secrets)
        var cluster = GenericResource(
            apiVersion: "jitsudo.dev/v1alpha1", kind: "JitsudoCluster", metadata: ObjectMeta(name: "jitsudod", namespace: namespace))
        cluster.spec = [
            "replicas": .number(Double(replicas)), "image": "ghcr.io/jitsudo/jitsudod:test",
            "config": ["inline": "log_level: info\n"],
            "database": ["secretRef": ["name": "jitsudo-database"]],
            "tls": ["reloadGracePeriod": .string(grace)],
        ]
        _ = try await client.create(cluster, in: .jitsudoClusters)
    }

    static func cluster(_ client: KubernetesClient, _ namespace: String) async throws -> GenericResource {
        try await client.get(GenericResource.self, name: "jitsudod", namespace: namespace, in: .jitsudoClusters)
    }

    static func events(_ client: KubernetesClient, _ namespace: String) async throws -> [Event] {
        try await client.list(Event.self, namespace: namespace).items
    }
}

extension Kubectl {
    /// Against the test API server.
    init() throws { self.init(kubeconfig: try Env.kubeconfig()) }
}
