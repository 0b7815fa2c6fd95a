import Foundation
import JitsudoTesting
import KubernetesClient
import Logging
import Testing

/// The Kubernetes test environment started by scripts/with-kube-testenv.sh (or `make kube-up`).
enum TestEnvironment {
    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    /// The kubeconfig of the test API server. Without it every test here FAILS with the reason.
    static func kubeconfigPath() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["JITSUDO_TEST_KUBECONFIG"], !path.isEmpty { return path }
        if let reason = environment["JITSUDO_TEST_KUBE_UNAVAILABLE"] {
            throw Unavailable(description: "the Kubernetes test environment could not be started: \(reason)")
        }
        throw Unavailable(
            description: """
                JITSUDO_TEST_KUBECONFIG is not set: run these tests through `make test`, or start the environment with \
                `make kube-up` and export JITSUDO_TEST_KUBECONFIG=<the KUBECONFIG it prints>
                """)
    }

    /// Compacts the test environment's etcd up to `revision` (a resourceVersion): older versions become 410 Gone
    /// where the API server's watch cache does not answer.
    static func compactEtcd(atRevision revision: String) async throws {
        let directory = (try kubeconfigPath() as NSString).deletingLastPathComponent
        let etcd = try String(contentsOfFile: directory + "/etcd-url", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let result = try await Kubectl().shell(
            "curl -fsS -X POST \(etcd)/v3/kv/compaction -d '{\"revision\":\"\(revision)\",\"physical\":true}'")
        guard result.status == 0 else { throw Unavailable(description: "etcd compaction failed: \(result.stderr)") }
    }

    static func configuration(impersonating user: String? = nil) throws -> KubernetesConfiguration {
        var configuration = try KubernetesConfiguration.fromKubeconfig(at: try kubeconfigPath())
        configuration.impersonateUser = user
        return configuration
    }

    /// Runs `body` with a client of the test API server, shut down afterwards.
    static func withClient<T: Sendable>(impersonating user: String? = nil, _ body: (KubernetesClient) async throws -> T) async throws -> T {
        var logger = Logger(label: "kubernetes-tests")
        logger.logLevel = .warning
        let client = try KubernetesClient(configuration: try configuration(impersonating: user), logger: logger)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Runs `body` in a fresh namespace (deleted afterwards).
    static func withNamespace<T: Sendable>(_ prefix: String = "test", _ body: (KubernetesClient, String) async throws -> T) async throws -> T {
        try await withClient { client in
            let name = "\(prefix)-\(UInt32.random(in: 0...UInt32.max).description)"
            _ = try await client.create(Namespace(name: name))
            do {
                let result = try await body(client, name)
                try? await client.delete(Namespace.self, name: name)
                return result
            } catch {
                try? await client.delete(Namespace.self, name: name)
                throw error
            }
        }
    }

    /// Polls `condition` every 100 ms until it holds or `timeout` passes (then the test fails with `what`).
    static func eventually(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out after \(timeout) waiting until \(what)")
        throw Unavailable(description: "timed out waiting until \(what)")
    }
}

extension Kubectl {
    /// Against the test API server.
    init() throws { self.init(kubeconfig: try TestEnvironment.kubeconfigPath()) }
}
