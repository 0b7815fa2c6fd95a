import KubernetesClient
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import OperatorCore
import SwiftASN1
import X509

/// Asks a jitsudod pod which certificate it serves: a TLS handshake, the leaf's serial, close. No trust decision is
/// made from it (the handshake does not verify the chain); the serial is only compared with the one in the Secret, to
/// tell whether the daemon's hot reload picked a new certificate up.
enum ServedCertificate {
    struct ProbeFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// The serial (lowercase hex of its bytes, as `CertificateInspection` writes it) served at `host:port`.
    static func serial(host: String, port: Int, timeout: TimeAmount = .seconds(3)) async throws -> String {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        let context = try NIOSSLContext(configuration: configuration)
        let group = MultiThreadedEventLoopGroup.singleton
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                    try channel.pipeline.syncOperations.addHandler(HandshakeWaiter(promise: channel.eventLoop.makePromise()))
                }
            }
            .connect(host: host, port: port).get()
        do {
            let waiter = try await channel.pipeline.handler(type: HandshakeWaiter.self).get()
            let deadline = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
            defer { deadline.cancel() }
            try await waiter.promise.futureResult.get()
            guard let certificate = try await channel.nioSSL_peerCertificate().get() else {
                throw ProbeFailed(description: "\(host):\(port) sent no certificate")
            }
            let parsed = try Certificate(derEncoded: try certificate.toDERBytes())
            channel.close(promise: nil)
            return Hex.text(parsed.serialNumber.bytes)
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }
}

/// Completes its promise (a second completion is ignored by NIO) when the TLS handshake finishes, or fails it when the connection ends or errs first.
private final class HandshakeWaiter: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let promise: EventLoopPromise<Void>

    init(promise: EventLoopPromise<Void>) { self.promise = promise }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event { promise.succeed() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ServedCertificate.ProbeFailed(description: "the connection closed before the TLS handshake finished"))
        context.fireChannelInactive()
    }

    /// A channel that never connected is torn down without channelInactive: the promise is completed here at the latest.
    func handlerRemoved(context: ChannelHandlerContext) {
        promise.fail(ServedCertificate.ProbeFailed(description: "the connection ended before the TLS handshake finished"))
    }
}

/// Which certificate the ready jitsudod pods serve, for the TLS reconciler's hot-reload detection.
struct ServedCertificateProbe: Sendable {
    /// See ``OperatorOptions/podPortAnnotation``.
    let portAnnotation: String?
    let logger: Logger

    /// The serials the ready, not terminating pods serve (one per pod); [] when none is ready; nil when a ready pod
    /// could not be asked (unknown: the reconciler then relies on the grace period and a restart).
    func servingSerials(of pods: [Pod]) async -> [String]? {
        let ready = pods.filter { $0.isReady && $0.metadata.deletionTimestamp == nil }
        var serials: [String] = []
        for pod in ready {
            guard let host = pod.status?.podIP, let port = port(of: pod) else { return nil }
            do {
                serials.append(try await ServedCertificate.serial(host: host, port: port))
            } catch {
                logger.debug(
                    "cannot ask the pod for its certificate", metadata: ["pod": "\(pod.metadata.name ?? "")", "error": "\(error)"])
                return nil
            }
        }
        return serials
    }

    /// The annotation's port when configured and present, else the jitsudod container's `https` port (or its first).
    func port(of pod: Pod) -> Int? {
        if let portAnnotation, let value = pod.metadata.annotations?[portAnnotation], let port = Int(value) { return port }
        let container = pod.spec?.containers.first { $0.name == DesiredResources.name } ?? pod.spec?.containers.first
        let ports = container?.ports ?? []
        let https = ports.first { $0["name"]?.stringValue == "https" } ?? ports.first
        return https?["containerPort"]?.intValue
    }

    /// The serial of the first certificate in `pem` (as the reconciler writes it); nil when there is none to read.
    static func serial(pem: String?) -> String? {
        guard let pem, let certificate = try? Certificate(pemEncoded: pem) else { return nil }
        return Hex.text(certificate.serialNumber.bytes)
    }
}
