import AsyncHTTPClient
import Foundation
public import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import BoundedJSON

/// A typed client of the Kubernetes REST API on AsyncHTTPClient.
///
/// Every call throws ``KubernetesError``. Calls answered 429 or 5xx (or not answered at all) are retried with
/// exponential backoff up to ``KubernetesConfiguration/maximumAttempts``; watches are not (``ResourceWatcher``
/// resumes them). Call ``shutdown()`` when done. Logs at debug level at most; never logs credentials.
public final class KubernetesClient: Sendable {
    public let configuration: KubernetesConfiguration
    let http: HTTPClient
    let logger: Logger
    let authorization: String?

    /// - Throws: ``KubernetesError`` `configuration` when the CA or client certificate PEM does not parse.
    public init(configuration: KubernetesConfiguration, logger: Logger = Logger(label: "kubernetes-client")) throws {
        self.configuration = configuration
        self.logger = logger
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            if configuration.insecureSkipTLSVerify {
                tls.certificateVerification = .none
            } else if let ca = configuration.certificateAuthorityPEM {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(ca.utf8)))
            }
            switch configuration.credentials {
            case .clientCertificate(let certificatePEM, let keyPEM):
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8)).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem))
                authorization = nil
            case .token(let token):
                authorization = "Bearer \(token)"
            case .none:
                authorization = nil
            }
        } catch {
            throw KubernetesError(.configuration, "the certificate authority or client certificate PEM is not valid: \(error)")
        }
        var httpConfiguration = HTTPClient.Configuration(tlsConfiguration: tls)
        httpConfiguration.timeout.connect = .seconds(10)
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
    }

    /// Closes the connections. The client cannot be used afterwards.
    public func shutdown() async throws { try await http.shutdown() }

    // A client dropped without `shutdown()` (one that lives as long as its process) still closes its connections.
    deinit { http.shutdown(queue: .global()) { _ in } }

    // MARK: - Requests

    struct Call {
        var method: HTTPMethod
        var verb: String
        var resource: ResourceType
        var namespace: String?
        var name: String?
        var subresource: String?
        var query: [(String, String)] = []
        var body: Data?
        var contentType = "application/json"

        func url(base: URL) -> String {
            var text = base.absoluteString
            while text.hasSuffix("/") { text.removeLast() }
            text += resource.path(namespace: namespace, name: name, subresource: subresource)
            if !query.isEmpty {
                var allowed = CharacterSet.urlQueryAllowed
                allowed.remove(charactersIn: "&=+,;!?#")
                text += "?" + query.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }.joined(separator: "&")
            }
            return text
        }
    }

    func request(for call: Call) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: call.url(base: configuration.server))
        request.method = call.method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "jitsudo-kubernetes-client")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        if let user = configuration.impersonateUser { request.headers.add(name: "Impersonate-User", value: user) }
        if let body = call.body {
            request.headers.add(name: "Content-Type", value: call.contentType)
            request.body = .bytes(ByteBuffer(data: body))
        }
        return request
    }

    /// Sends `call`, retrying 429/5xx/transport failures; returns the body of a 2xx answer.
    func send(_ call: Call) async throws -> Data {
        var attempt = 1
        var backoff = configuration.initialBackoff
        while true {
            let outcome: (status: Int, body: ByteBuffer, retryAfter: Int?)
            let started = ContinuousClock.now
            do {
                let response = try await http.execute(request(for: call), timeout: .nanoseconds(Int64(configuration.requestTimeout.nanoseconds)))
                let body = try await response.body.collect(upTo: 64 * 1024 * 1024)
                outcome = (Int(response.status.code), body, response.headers.first(name: "Retry-After").flatMap(Int.init))
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // An attempt that used up its whole deadline already waited out the HTTP client's own connection
                // retries: trying again would only multiply the wait.
                let timedOut = ContinuousClock.now - started >= configuration.requestTimeout
                guard attempt < configuration.maximumAttempts, !timedOut, !Task.isCancelled else {
                    throw KubernetesError(
                        .transport,
                        "no answer from the API server \(configuration.server.absoluteString) to \(call.verb) \(call.resource.plural): \(error)")
                }
                logger.debug("kubernetes request failed, retrying", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                try await Task.sleep(for: backoff)
                attempt += 1
                backoff = min(backoff * 2, configuration.maximumBackoff)
                continue
            }
            if (200..<300).contains(outcome.status) { return Data(buffer: outcome.body) }
            let error = KubernetesError.from(
                status: outcome.status, body: Array(buffer: outcome.body), verb: call.verb, resource: call.resource,
                namespace: call.namespace, name: call.name)
            let retryable = outcome.status == 429 || outcome.status >= 500
            guard retryable, attempt < configuration.maximumAttempts else { throw error }
            let wait = outcome.retryAfter.map { min(Duration.seconds($0), configuration.maximumBackoff) } ?? backoff
            logger.debug("kubernetes request throttled or failed, retrying", metadata: ["status": "\(outcome.status)", "attempt": "\(attempt)"])
            try await Task.sleep(for: wait)
            attempt += 1
            backoff = min(backoff * 2, configuration.maximumBackoff)
        }
    }

    func decode<T: Decodable>(_ type: T.Type, from data: Data, call: Call) throws -> T {
        do {
            return try JSONDecoder.kubernetes.decodeBounded(T.self, from: data)
        } catch {
            throw KubernetesError(.decoding, "the answer to \(call.verb) \(call.resource.plural) is not a \(T.self): \(error)")
        }
    }

    func encode(_ object: some Encodable, as resource: ResourceType) throws -> Data {
        do {
            var json = try JSONValue(encoding: object)
            if json["apiVersion"] == nil || json["apiVersion"] == .null { json["apiVersion"] = .string(resource.apiVersion) }
            if json["kind"] == nil || json["kind"] == .null { json["kind"] = .string(resource.kind) }
            return try JSONEncoder.kubernetes.encode(json)
        } catch {
            throw KubernetesError(.decoding, "cannot encode the \(resource.kind): \(error)")
        }
    }

    func namespace(_ namespace: String?, for resource: ResourceType) -> String? {
        resource.namespaced ? (namespace ?? configuration.namespace) : nil
    }

    /// Checks that a name is set before it goes into a URL.
    func requireName(_ object: some KubernetesObject, _ verb: String) throws -> String {
        guard let name = object.metadata.name, !name.isEmpty else {
            throw KubernetesError(.badRequest, "cannot \(verb) an object without metadata.name")
        }
        return name
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
