import ArgumentParser
import Dispatch
import Foundation
import KubernetesClient
import Logging
import FakeletKit
import NIOCore

/// `jitsudo-fakelet`: does a kubelet's part for tests against a kube-apiserver without nodes.
@main
struct FakeletCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jitsudo-fakelet",
        abstract: "Binds pods to a fake node, runs or simulates them, and finishes their deletion (tests only).",
        discussion: """
            Pods whose image contains a --run-image substring run as local processes of the mapped binary, pods whose \
            image contains a --run-command-image substring run their own command on this host (see \
            docs/kubernetes.md); other pods are simulated. Per-pod control of simulated pods through annotations: \
            \(FakeletKit.Fakelet.readyAnnotation)=false keeps a pod not ready; \(FakeletKit.Fakelet.stuckTerminatingAnnotation)=true keeps \
            a deleted pod terminating (any pod).
            """
    )

    @Option(help: "The kubeconfig to use (default: $KUBECONFIG).")
    var kubeconfig: String?

    @Option(help: "The name of the fake node to register and bind pods to.")
    var node = "fakelet-node"

    @Option(
        name: .customLong("run-image"),
        help: ArgumentHelp(
            "Run pods whose image contains <image-substring> as local processes of <binary>, or from the root filesystem of an "
                + "image unpacked into the directory <binary> by `umoci unpack` (repeatable).",
            valueName: "image-substring=binary|bundle"))
    var runImages: [String] = []

    @Option(
        name: .customLong("run-command-image"),
        help: ArgumentHelp(
            "Run pods whose image contains <image-substring> as their container's own command on this host (repeatable), e.g. for Jobs.",
            valueName: "image-substring"))
    var runCommandImages: [String] = []

    @Option(help: "A persistentVolumeClaim volume is the host directory <volume-root>/<claimName> (unset: such pods stay Pending).")
    var volumeRoot: String?

    @Option(help: "Where the processes' files go (default: a fresh directory under the system temporary directory).")
    var workDir: String?

    @Option(
        help: ArgumentHelp(
            "Serve the kubelet's container-log API over HTTPS (for `kubectl logs`) with this certificate; needs --kubelet-key.",
            valueName: "pem file"))
    var kubeletCert: String?

    @Option(help: ArgumentHelp("The private key of --kubelet-cert.", valueName: "pem file"))
    var kubeletKey: String?

    @Option(help: "The loopback port of the container-log API (0: a free one); recorded in the Node's status.")
    var kubeletPort = 0

    func validate() throws {
        for argument in runImages where ProcessPodRuntime.ImageMapping(argument: argument) == nil {
            throw ValidationError("--run-image \(argument): expected <image-substring>=<binary path>, e.g. jitsudod=.build/debug/jitsudod")
        }
        for image in runCommandImages where image.isEmpty || image.contains("=") {
            throw ValidationError("--run-command-image '\(image)': expected an image substring such as postgres:15 (no '=', not empty)")
        }
        if (kubeletCert == nil) != (kubeletKey == nil) {
            throw ValidationError("--kubelet-cert and --kubelet-key go together: give both to serve `kubectl logs`, or neither")
        }
        guard (0...65535).contains(kubeletPort) else { throw ValidationError("--kubelet-port \(kubeletPort) is not a port (0-65535)") }
        if let volumeRoot, !volumeRoot.hasPrefix("/") {
            throw ValidationError("--volume-root \(volumeRoot): give an absolute directory")
        }
    }

    func run() async throws {
        guard let path = kubeconfig ?? ProcessInfo.processInfo.environment["KUBECONFIG"], !path.isEmpty else {
            throw ValidationError("no kubeconfig: pass --kubeconfig or set KUBECONFIG")
        }
        var logger = Logger(label: "fakelet")
        logger.logLevel = .info
        let client = try KubernetesClient(configuration: try KubernetesConfiguration.fromKubeconfig(at: path), logger: logger)
        let (changes, continuation) = AsyncStream.makeStream(of: PodKey.self)
        let work = URL(fileURLWithPath: workDir ?? NSTemporaryDirectory() + "jitsudo-fakelet-\(getpid())")
        let processes = ProcessPodRuntime(
            mappings: try runImages.compactMap(ProcessPodRuntime.ImageMapping.init(argument:)).map { try $0.resolved() },
            commandImages: runCommandImages,
            volumeRoot: volumeRoot.map { URL(fileURLWithPath: $0) }, client: client, workDirectory: work, logger: logger,
            onChange: { continuation.yield($0) })
        let runtime = ImageRoutingRuntime(processes: processes)
        // SIGTERM/SIGINT: stop every process the fakelet started, then exit (they would outlive it otherwise).
        let signals = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler {
                Task {
                    await runtime.shutdown()
                    Foundation.exit(0)
                }
            }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        var logPort: Int?
        if let kubeletCert, let kubeletKey {
            let channel = try await KubeletEndpoint.start(port: kubeletPort, certificatePath: kubeletCert, keyPath: kubeletKey) { request in
                let file = ProcessPodRuntime.logFile(
                    workDirectory: work, namespace: request.namespace, pod: request.pod, previous: request.previous)
                if let file, let data = try? Data(contentsOf: file) { return .found(data) }
                if request.previous {
                    return .notFound("previous terminated container \"\(request.container)\" in pod \"\(request.pod)\" not found")
                }
                return .notFound(
                    "pod \(request.namespace)/\(request.pod) runs no process on this fakelet (a simulated pod has no output)")
            }
            logPort = channel.localAddress?.port
        }
        let fakelet = FakeletKit.Fakelet(client: client, nodeName: node, runtime: runtime, logger: logger)
        try await fakelet.registerNode(kubeletPort: logPort)
        try await fakelet.run(changes: changes) { [node] in
            FileHandle.standardError.write(Data("fakelet: ready (node \(node))\n".utf8))
        }
    }
}
