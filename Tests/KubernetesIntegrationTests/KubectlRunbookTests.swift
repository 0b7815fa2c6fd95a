import Foundation
import JitsudoTesting
import KubernetesClient
import Testing

/// The runbook's kubectl commands, run by the machine's real `kubectl` against the test API server; the
/// controller-manager rolls the Deployment and the fakelet runs its pods.
@Suite struct KubectlRunbookTests {
    static func deployment(_ namespace: String, replicas: Int32, annotations: [String: String]? = nil) -> Deployment {
        var spec = PodSpec(containers: [Container(name: "jitsudod", image: "ghcr.io/jitsudo/jitsudod:test")])
        spec.terminationGracePeriodSeconds = 30
        return Deployment(
            metadata: ObjectMeta(name: "jitsudod", namespace: namespace, labels: ["app": "jitsudod"]),
            spec: .init(
                replicas: replicas, selector: LabelSelector(matchLabels: ["app": "jitsudod"]),
                template: PodTemplateSpec(metadata: ObjectMeta(labels: ["app": "jitsudod"], annotations: annotations), spec: spec))
        )
    }

    @Test func getScaleRestartStatusAndWaitForDelete() async throws {
        try await TestEnvironment.withNamespace("runbook") { client, namespace in
            let kubectl = try Kubectl()
            defer { kubectl.cleanUp() }
            _ = try await client.create(Self.deployment(namespace, replicas: 2))
            func ok(_ arguments: [String]) async throws -> String {
                let result = try await kubectl.run(arguments + ["-n", namespace])
                #expect(result.status == 0, "kubectl \(arguments.joined(separator: " ")): \(result.stderr)")
                return result.stdout
            }
            _ = try await ok(["rollout", "status", "deployment/jitsudod", "--timeout=60s"])
            let pods = try await ok(["get", "pods", "-l", "app=jitsudod"])
            #expect(pods.components(separatedBy: "\n").filter { $0.contains("Running") && $0.contains("1/1") }.count == 2, "\(pods)")
            let namesBefore = Set(try await client.list(Pod.self, namespace: namespace).items.compactMap(\.metadata.name))

            _ = try await ok(["rollout", "restart", "deployment/jitsudod"])
            let restarted = try await client.get(Deployment.self, name: "jitsudod", namespace: namespace)
            #expect(restarted.spec.template.metadata?.annotations?["kubectl.kubernetes.io/restartedAt"] != nil)
            _ = try await ok(["rollout", "status", "deployment/jitsudod", "--timeout=90s"])
            try await TestEnvironment.eventually("the old pods are gone") {
                let names = Set(try await client.list(Pod.self, namespace: namespace).items.compactMap(\.metadata.name))
                return names.count == 2 && names.isDisjoint(with: namesBefore)
            }

            _ = try await ok(["scale", "deployment", "jitsudod", "--replicas=0"])
            _ = try await ok(["wait", "--for=delete", "pod", "-l", "app=jitsudod", "--timeout=60s"])
            #expect(try await client.list(Pod.self, namespace: namespace).items.isEmpty)
            let scaledDown = try await client.get(Deployment.self, name: "jitsudod", namespace: namespace)
            #expect(scaledDown.spec.replicas == 0)
            // The ReplicaSet controller reports the deleted pods after they are gone; scaling up before the Deployment's
            // status says 0 would let `rollout status` read the stale "2 available" and return at once.
            try await TestEnvironment.eventually("the Deployment reports no replicas") {
                let status = try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).status
                return (status?.replicas ?? 0) == 0 && (status?.availableReplicas ?? 0) == 0
            }

            _ = try await ok(["scale", "deployment", "jitsudod", "--replicas=2"])
            _ = try await ok(["rollout", "status", "deployment/jitsudod", "--timeout=60s"])
            let scaledUp = try await client.get(Deployment.self, name: "jitsudod", namespace: namespace)
            #expect(scaledUp.status?.availableReplicas == 2, "\(String(describing: scaledUp.status))")
        }
    }

    @Test func aPodKeptNotReadyStallsTheRolloutAndAStuckPodBlocksWaitForDelete() async throws {
        try await TestEnvironment.withNamespace("stall") { client, namespace in
            let kubectl = try Kubectl()
            defer { kubectl.cleanUp() }
            _ = try await client.create(
                Self.deployment(
                    namespace, replicas: 1,
                    annotations: [
                        "fakelet.jitsudo.dev/ready": "false", "fakelet.jitsudo.dev/stuck-terminating": "true",
                    ]))
            let status = try await kubectl.run(["rollout", "status", "deployment/jitsudod", "-n", namespace, "--timeout=5s"])
            #expect(status.status != 0, "rollout status must not succeed while the pod is not ready")
            try await TestEnvironment.eventually("the pod is Running but not ready") {
                let pods = try await client.list(Pod.self, namespace: namespace).items
                return pods.count == 1 && pods[0].status?.phase == "Running" && !pods[0].isReady
            }
            _ = try await kubectl.run(["scale", "deployment", "jitsudod", "--replicas=0", "-n", namespace])
            let wait = try await kubectl.run(["wait", "--for=delete", "pod", "-l", "app=jitsudod", "-n", namespace, "--timeout=5s"])
            #expect(wait.status != 0, "the stuck pod keeps terminating")
            let stuck = try await client.list(Pod.self, namespace: namespace).items
            #expect(stuck.count == 1 && stuck[0].metadata.deletionTimestamp != nil)
            // Released from the annotation, the fakelet finishes it.
            _ = try await client.patch(
                Pod.self, name: stuck[0].metadata.name ?? "", namespace: namespace,
                .merge(["metadata": ["annotations": ["fakelet.jitsudo.dev/stuck-terminating": nil]]]))
            let released = try await kubectl.run(["wait", "--for=delete", "pod", "-l", "app=jitsudod", "-n", namespace, "--timeout=60s"])
            #expect(released.status == 0, "\(released.stderr)")
        }
    }

    @Test func createSecretTLSDryRunPipedIntoApplyCreatesThenUpdatesTheSecret() async throws {
        try await TestEnvironment.withNamespace("tls") { client, namespace in
            let kubectl = try Kubectl()
            defer { kubectl.cleanUp() }
            let directory = NSTemporaryDirectory() + "tls-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            for round in 1...2 {
                let generated = try await kubectl.shell(
                    """
                    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=jitsudo-\(round) \
                      -keyout \(directory)/tls.key -out \(directory)/tls.crt 2>&1
                    """)
                #expect(generated.status == 0, "\(generated.stdout)")
                let applied = try await kubectl.shell(
                    """
                    kubectl create secret tls jitsudo-tls --cert=\(directory)/tls.crt --key=\(directory)/tls.key -n \(namespace) \
                      --dry-run=client -o yaml | kubectl apply -n \(namespace) -f -
                    """)
                #expect(applied.status == 0, "\(applied.stderr)")
                #expect(applied.stdout.contains("secret/jitsudo-tls"), "\(applied.stdout)")
                let secret = try await client.get(Secret.self, name: "jitsudo-tls", namespace: namespace)
                #expect(secret.type == "kubernetes.io/tls")
                let certificate = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/tls.crt"))
                #expect(secret.decodedData["tls.crt"] == certificate, "round \(round)")
            }
        }
    }
}
