import ArgumentParser
import Foundation
import Hummingbird
import JitsudoCore
import JitsudoOperator
import KubernetesClient
import Logging
import ServiceLifecycle
import UnixSignals

/// `jitsudo-operator`: reconciles the `jitsudod` Deployment, rotates the TLS Secret and drives restores for the
/// JitsudoCluster and JitsudoRestore objects of one namespace; one leader among replicas through a Lease.
@main
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jitsudo-operator",
        abstract: "Kubernetes operator for jitsudo: reconciles the jitsudod Deployment, rotates TLS, drives restores.",
        discussion: "In a pod it uses the service account; elsewhere --kubeconfig (or $KUBECONFIG). See docs/operator.md.",
        version: "jitsudo-operator \(JitsudoVersion.current)"
    )

    @Option(help: "The namespace to manage (default: the pod's, or the kubeconfig context's).")
    var namespace: String?
    @Option(help: "The Lease used for leader election.")
    var lease = "jitsudo-operator"
    @Option(help: "This replica's identity in the Lease (default: $POD_NAME, else host-pid).")
    var identity: String?
    @Option(help: "Port of /healthz, /readyz and /metrics.")
    var metricsPort = 8080
    @Option(help: "Address /healthz, /readyz and /metrics listen on.")
    var metricsHost = "0.0.0.0"
    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"
    @Option(help: "A kubeconfig to use instead of the in-cluster service account (default: $KUBECONFIG when not in a pod).")
    var kubeconfig: String?
    @Option(help: "Read the port jitsudod pods are asked for their served certificate on from this pod annotation (test beds).")
    var podPortAnnotation: String?
    @Flag(help: "Do not ask jitsudod pods which certificate they serve; a new certificate is then always served by a rolling restart.")
    var noServedCertificateProbe = false
    @Option(help: "Lease duration in seconds (renew deadline is 2/3 of it).")
    var leaseDurationSeconds = 15

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        guard (0...65535).contains(metricsPort) else { throw ValidationError("--metrics-port \(metricsPort) is not a port (0-65535)") }
        guard leaseDurationSeconds >= 3 else { throw ValidationError("--lease-duration-seconds must be at least 3") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = JSONLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "jitsudo.operator")
        let environment = ProcessInfo.processInfo.environment
        var configuration: KubernetesConfiguration
        if let path = kubeconfig ?? (environment["KUBERNETES_SERVICE_HOST"] == nil ? environment["KUBECONFIG"] : nil), !path.isEmpty {
            configuration = try KubernetesConfiguration.fromKubeconfig(at: path)
        } else {
            configuration = try KubernetesConfiguration.inCluster(environment: environment)
        }
        if let namespace { configuration.namespace = namespace }
        let identity = self.identity ?? environment["POD_NAME"] ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())"
        var options = OperatorOptions(namespace: configuration.namespace, identity: identity)
        options.leaseName = lease
        options.leaseDuration = .seconds(leaseDurationSeconds)
        options.renewDeadline = .seconds(leaseDurationSeconds * 2 / 3)
        options.retryPeriod = .seconds(max(1, leaseDurationSeconds / 7))
        options.podPortAnnotation = podPortAnnotation
        options.probeServedCertificates = !noServedCertificateProbe
        let client = try KubernetesClient(configuration: configuration, logger: Logger(label: "jitsudo.operator.kubernetes"))
        let controller = OperatorController(client: client, options: options, logger: logger)
        let app = HealthServer.application(controller: controller, host: metricsHost, port: metricsPort) { channel in
            logger.info("serving /healthz /readyz /metrics", metadata: ["port": "\(channel.localAddress?.port ?? 0)"])
        }
        logger.info("starting", metadata: ["namespace": "\(options.namespace)", "identity": "\(identity)", "lease": "\(lease)"])

        // SIGTERM/SIGINT: a graceful shutdown of the group, last service first: the controller stops leading and
        // releases the Lease (a standby takes over at once), then /healthz, /readyz and /metrics stop serving.
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: app),
                    .init(
                        service: ControllerService(controller: controller), successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            logger.error("stopped after an error", metadata: ["error": "\(error)"])
            try? await client.shutdown()
            throw error
        }
        try? await client.shutdown()
        logger.info("stopped")
    }
}

/// The controller as a service of the group: cancelled (which makes it release the Lease) on graceful shutdown.
struct ControllerService: Service {
    let controller: OperatorController

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await controller.run() }
    }
}

/// Structured logs: one JSON object a line on stderr (time, level, label, message, metadata).
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: String] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) { fields[key] = "\(value)" }
        fields["time"] = ISO8601DateFormatter().string(from: Date())
        fields["level"] = event.level.rawValue
        fields["logger"] = label
        fields["msg"] = "\(event.message)"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard var data = try? encoder.encode(fields) else { return }
        data.append(0x0A)
        FileHandle.standardError.write(data)
    }
}
