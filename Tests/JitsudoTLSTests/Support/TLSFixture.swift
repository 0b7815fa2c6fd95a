import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdCore
import JitsudoTLS
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SwiftASN1
import X509

/// A temporary directory with a CA and the server's certificate/key files.
struct TLSFixture {
    let directory: URL
    let ca: PrivateCA
    var certificatePath: String { directory.appendingPathComponent("server.crt").path }
    var keyPath: String { directory.appendingPathComponent("server.key").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("jitsudo-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        ca = try PrivateCA.generate()
    }

    func cleanUp() { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Issues a loopback server certificate and writes it (and its key) as the served pair.
    @discardableResult
    func installServerPair(
        from issuer: PrivateCA? = nil, validity: TimeInterval = 86400, now: Date = Date(), algorithm: PrivateCA.KeyAlgorithm = .p256
    ) throws -> PrivateCA.IssuedPair {
        let pair = try (issuer ?? ca).issue(
            dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"], algorithm: algorithm, validity: validity, now: now
        )
        try write(certificate: pair.certificatePEM, key: pair.privateKeyPEM)
        return pair
    }

    func write(certificate: String, key: String) throws {
        try Data(certificate.utf8).write(to: URL(fileURLWithPath: certificatePath))
        try KeyFile.write(key, to: keyPath, overwrite: true)
    }

    func caCertificate(_ ca: PrivateCA? = nil) throws -> NIOSSLCertificate {
        try NIOSSLCertificate(bytes: Array((ca ?? self.ca).certificatePEM.utf8), format: .pem)
    }
}

/// Runs a real Hummingbird server with `.reloadingTLS` on 127.0.0.1, port 0, for the duration of `body`.
func withTLSServer(context: ReloadingTLSContext, _ body: (_ port: Int) async throws -> Void) async throws {
    let router = Router()
    router.get("hello") { _, _ in "ok" }
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: "tls-test")
    logger.logLevel = .critical
    let app = Application(
        router: router, server: .reloadingTLS(context: context),
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }, logger: logger
    )
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            group.cancelAll()
            throw ProbeError(message: "TLS server did not start")
        }
        do {
            try await body(port)
        } catch {
            group.cancelAll()
            throw error
        }
        group.cancelAll()
    }
}

struct ProbeError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// GET /hello over HTTPS with a fresh AsyncHTTPClient (no pooled connection) trusting `trust`.
func httpsGet(
    port: Int, trust: NIOSSLCertificate, clientCertificate: PrivateCA.IssuedPair? = nil
) async throws -> String {
    var tls = TLSConfiguration.makeClientConfiguration()
    tls.trustRoots = .certificates([trust])
    tls.certificateVerification = .fullVerification
    if let clientCertificate {
        tls.certificateChain = [.certificate(try NIOSSLCertificate(bytes: Array(clientCertificate.certificatePEM.utf8), format: .pem))]
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(clientCertificate.privateKeyPEM.utf8), format: .pem))
    }
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    do {
        let response = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)/hello"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1024)
        try await client.shutdown()
        return String(buffer: body)
    } catch {
        try? await client.shutdown()
        throw error
    }
}

/// Completes a TLS handshake with the server and returns the leaf certificate it presented.
func servedCertificate(port: Int) async throws -> Certificate {
    var tls = TLSConfiguration.makeClientConfiguration()
    tls.certificateVerification = .noHostnameVerification
    let context = try NIOSSLContext(configuration: tls)
    let group = MultiThreadedEventLoopGroup.singleton
    let promise = group.next().makePromise(of: [UInt8].self)
    let channel = try await ClientBootstrap(group: group)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                let handler = try NIOSSLClientHandler(context: context, serverHostname: nil) { chain, verification in
                    if let leaf = chain.first, let der = try? leaf.toDERBytes() { promise.succeed(der) }
                    verification.succeed(.certificateVerified)
                }
                try channel.pipeline.syncOperations.addHandler(handler)
            }
        }
        .connect(host: "127.0.0.1", port: port).get()
    let timeout = channel.eventLoop.scheduleTask(in: .seconds(10)) { promise.fail(ProbeError(message: "no TLS handshake within 10 s")) }
    defer {
        timeout.cancel()
        channel.close(promise: nil)
    }
    let der = try await promise.futureResult.get()
    let base64 = Data(der).base64EncodedString(options: .lineLength64Characters)
    return try Certificate(pemEncoded: "-----BEGIN CERTIFICATE-----\n\(base64)\n-----END CERTIFICATE-----\n")
}
