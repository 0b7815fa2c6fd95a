public import AsyncHTTPClient
import Foundation
public import Logging
import NIOCore
import NIOHTTP1
import BoundedJSON

/// A small client for AWS's query protocol (STS, IAM) and JSON protocol (SSO Admin, Identity Store): SigV4-signed
/// over AsyncHTTPClient, AWS errors parsed, throttling, 5xx and lost connections retried with backoff and jitter.
/// Knows nothing of jitsudo. Logs at debug at most, and never credentials, signatures or tokens.
public struct AWSClient: Sendable {
    /// Where and how to call.
    public struct Configuration: Sendable, Hashable {
        public var region: String
        /// One base URL for every service (moto, a proxy); nil for the real regional endpoints.
        public var endpointURL: String?
        public var retry = RetryPolicy()
        /// The time limit of one call.
        public var timeout: Duration = .seconds(15)

        public init(region: String, endpointURL: String? = nil) {
            self.region = region
            self.endpointURL = endpointURL
        }
    }

    public let configuration: Configuration
    /// nil sends unsigned requests (`AssumeRoleWithWebIdentity`).
    public let credentials: (any AWSCredentialSource)?
    let http: HTTPClient
    let logger: Logger

    public init(configuration: Configuration, credentials: (any AWSCredentialSource)?, http: HTTPClient = .shared, logger: Logger) {
        self.configuration = configuration
        self.credentials = credentials
        self.http = http
        self.logger = logger
    }

    /// Calls a query-protocol `action` with `parameters` and returns the XML response body.
    ///
    /// - Throws: ``AWSError`` with AWS's code and message, after retries when it is retryable.
    public func query(_ service: AWSService, action: String, _ parameters: [(String, String)] = []) async throws(AWSError) -> String {
        let body = URIEncoding.formBody([("Action", action), ("Version", service.apiVersion)] + parameters)
        let headers = [SigV4Signer.Header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        return try await send(service, operation: action, headers: headers, body: Array(body.utf8))
    }

    /// Calls a JSON-protocol `operation` with `input` and decodes the response as `Output`.
    public func json<Input: Encodable, Output: Decodable>(
        _ service: AWSService, operation: String, _ input: Input, as output: Output.Type
    ) async throws(AWSError) -> Output {
        let body: Data
        do { body = try JSONEncoder().encode(input) } catch { throw AWSError(code: "EncodingError", message: "\(error)", status: 0) }
        let headers = [
            SigV4Signer.Header("Content-Type", "application/x-amz-json-1.1"),
            SigV4Signer.Header("X-Amz-Target", "\(service.targetPrefix).\(operation)"),
        ]
        let text = try await send(service, operation: operation, headers: headers, body: Array(body))
        do {
            return try JSONDecoder().decodeBounded(Output.self, from: Data((text.isEmpty ? "{}" : text).utf8))
        } catch {
            throw AWSError(code: "DecodingError", message: "the \(operation) response could not be read: \(error)", status: 200)
        }
    }

    func send(_ service: AWSService, operation: String, headers: [SigV4Signer.Header], body: [UInt8]) async throws(AWSError) -> String {
        var attempt = 1
        while true {
            do {
                return try await sendOnce(service, headers: headers, body: body)
            } catch {
                guard configuration.retry.shouldRetry(after: attempt, error) else { throw error }
                let delay = configuration.retry.delay(after: attempt, fraction: Double.random(in: 0...1))
                logger.debug(
                    "aws call retried",
                    metadata: [
                        "aws.service": "\(service.signingName)", "aws.operation": "\(operation)", "aws.error": "\(error.code)",
                        "attempt": "\(attempt)",
                    ])
                do { try await Task.sleep(for: delay) } catch { throw AWSError(code: AWSError.transport, message: "cancelled", status: 0) }
                attempt += 1
            }
        }
    }

    func sendOnce(_ service: AWSService, headers: [SigV4Signer.Header], body: [UInt8]) async throws(AWSError) -> String {
        let base = service.endpoint(region: configuration.region, override: configuration.endpointURL)
        guard let url = URL(string: base), let host = url.host else {
            throw AWSError(code: "InvalidEndpoint", message: "the endpoint URL '\(base)' is not a URL", status: 0)
        }
        let hostHeader = url.port.map { "\(host):\($0)" } ?? host
        let path = url.path.isEmpty ? "/" : url.path
        var request = SigV4Signer.Request(method: "POST", host: hostHeader, path: path, headers: headers, body: body)
        if let credentials {
            let signer = SigV4Signer(
                credentials: try await credentials.credentials(), region: service.signingRegion(configuration.region),
                service: service.signingName)
            request = signer.sign(request, at: Date())
        }
        var outgoing = HTTPClientRequest(url: base + (url.path.isEmpty ? "/" : ""))
        outgoing.method = .POST
        for header in request.headers { outgoing.headers.add(name: header.name, value: header.value) }
        outgoing.headers.replaceOrAdd(name: "Host", value: hostHeader)
        outgoing.body = .bytes(ByteBuffer(bytes: body))
        let status: Int
        let text: String
        do {
            let response = try await http.execute(outgoing, timeout: .nanoseconds(configuration.timeout.nanoseconds))
            status = Int(response.status.code)
            text = String(buffer: try await response.body.collect(upTo: 4 << 20))
        } catch {
            throw AWSError(code: AWSError.transport, message: "no response from \(hostHeader): \(error)", status: 0)
        }
        guard (200..<300).contains(status) else { throw AWSError.parse(status: status, body: text) }
        return text
    }
}

extension Duration {
    /// Whole nanoseconds (for NIO's `TimeAmount`).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
