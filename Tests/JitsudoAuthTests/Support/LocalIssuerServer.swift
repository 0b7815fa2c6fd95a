import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// The discovery document and JWKS a test serves; mutable so tests can rotate keys.
final class ServedDocuments: Sendable {
    private struct State {
        var discovery = Data()
        var jwks = Data()
        var jwksFetches = 0
        var available = true
    }

    private let state = Mutex(State())

    func set(discovery: Data? = nil, jwks: Data? = nil) {
        state.withLock { state in
            if let discovery { state.discovery = discovery }
            if let jwks { state.jwks = jwks }
        }
    }

    func setAvailable(_ available: Bool) { state.withLock { $0.available = available } }
    var jwksFetches: Int { state.withLock { $0.jwksFetches } }

    fileprivate func discoveryBody() -> Data? { state.withLock { $0.available ? $0.discovery : nil } }
    fileprivate func jwksBody() -> Data? {
        state.withLock { state in
            guard state.available else { return nil }
            state.jwksFetches += 1
            return state.jwks
        }
    }

    /// A discovery document for `issuer` whose JWKS is served by the same listener.
    static func discovery(issuer: String, algorithms: [String] = ["RS256", "ES256"]) -> Data {
        try! JSONSerialization.data(withJSONObject: [
            "issuer": issuer, "jwks_uri": issuer + "/jwks", "id_token_signing_alg_values_supported": algorithms,
        ])
    }
}

/// Runs a real HTTP listener on 127.0.0.1 (port 0) serving `documents` for the duration of `body`.
func withLocalIssuerServer<T: Sendable>(
    _ documents: ServedDocuments, _ body: (_ baseURL: String) async throws -> T
) async throws -> T {
    let router = Router()
    router.get(".well-known/openid-configuration") { _, _ -> Response in
        guard let data = documents.discoveryBody() else { return Response(status: .serviceUnavailable) }
        return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: Array(data))))
    }
    router.get("jwks") { _, _ -> Response in
        guard let data = documents.jwksBody() else { return Response(status: .serviceUnavailable) }
        return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: Array(data))))
    }
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: "test-issuer")
    logger.logLevel = .critical
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }, logger: logger
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            group.cancelAll()
            throw TestServerError(message: "test issuer server did not start")
        }
        do {
            let result = try await body("http://127.0.0.1:\(port)")
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

struct TestServerError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
