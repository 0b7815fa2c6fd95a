import ArgumentParser
import Foundation
import KubernetesClient
import Logging

/// `jitsudo-fakelet`: does a kubelet's part for tests against a kube-apiserver without nodes.
@main
struct FakeletCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jitsudo-fakelet",
        abstract: "Binds pods to a fake node, reports them Running/Ready and finishes their deletion (tests only).",
        discussion: """
            Per-pod control through annotations: \(Fakelet.readyAnnotation)=false keeps a pod not ready; \
            \(Fakelet.stuckTerminatingAnnotation)=true keeps a deleted pod terminating.
            """
    )

    @Option(help: "The kubeconfig to use (default: $KUBECONFIG).")
    var kubeconfig: String?

    @Option(help: "The name of the fake node to register and bind pods to.")
    var node = "fakelet-node"

    func run() async throws {
        guard let path = kubeconfig ?? ProcessInfo.processInfo.environment["KUBECONFIG"], !path.isEmpty else {
            throw ValidationError("no kubeconfig: pass --kubeconfig or set KUBECONFIG")
        }
        var logger = Logger(label: "fakelet")
        logger.logLevel = .info
        let client = try KubernetesClient(configuration: try KubernetesConfiguration.fromKubeconfig(at: path), logger: logger)
        let fakelet = Fakelet(client: client, nodeName: node, runtime: SimulatedPodRuntime(), logger: logger)
        try await fakelet.registerNode()
        try await fakelet.run {
            FileHandle.standardError.write(Data("fakelet: ready (node \(node))\n".utf8))
        }
    }
}
