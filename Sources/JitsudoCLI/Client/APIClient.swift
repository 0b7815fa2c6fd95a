import AsyncHTTPClient
import Foundation
import JitsudoAPI
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import BoundedJSON

/// The HTTP client of the CLI: JSON in and out, the API's error body turned into a ``CLIError`` with the
/// exit code of `cli.md` §1.1, optional `--debug` lines (method, path, status, `X-Request-Id`; never
/// headers or bodies).
final class APIClient: Sendable {
    let server: ServerAddress
    let token: String?
    let debug: Bool
    private let http: HTTPClient

    /// TLS material for the client: extra CA bundles and an optional client certificate (mTLS).
    struct TLSMaterial: Sendable {
        var caFiles: [String] = []
        var certFile: String?
        var keyFile: String?
    }

    init(server: ServerAddress, token: String?, debug: Bool, tls: TLSMaterial) throws {
        self.server = server
        self.token = token
        self.debug = debug
        var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
        var extraRoots: [NIOSSLAdditionalTrustRoots] = []
        for file in tls.caFiles {
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw CLIError("CA file \(file) cannot be read — check tls.ca_file or --ca-file")
            }
            extraRoots.append(.file(file))
        }
        tlsConfiguration.additionalTrustRoots = extraRoots
        if let certFile = tls.certFile {
            guard let keyFile = tls.keyFile else {
                throw CLIError("tls.cert_file is set but tls.key_file is not — add the client key to the config")
            }
            do {
                tlsConfiguration.certificateChain = try NIOSSLCertificate.fromPEMFile(certFile).map { .certificate($0) }
                tlsConfiguration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
            } catch {
                throw CLIError("cannot load the client certificate \(certFile) or key \(keyFile): \(error) — check tls.cert_file and tls.key_file")
            }
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tlsConfiguration)
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(120))
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    func shutdown() async {
        try? await http.shutdown()
    }

    /// A raw response: status, body and the server's request id.
    struct Response: Sendable {
        var status: Int
        var body: Data
        var requestID: String?
    }

    /// Sends one request to `path` (with `query` pairs) and returns the raw response; transport failures become
    /// ``CLIError`` exit 1 naming the server.
    func raw(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: Data? = nil,
        contentType: String = "application/json", authenticated: Bool = true, absoluteURL: String? = nil
    ) async throws -> Response {
        var url = absoluteURL ?? server.url(path)
        if !query.isEmpty {
            url += "?" + query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "jitsudo-cli")
        if authenticated, let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(data: body))
        }
        let response: HTTPClientResponse
        let data: Data
        do {
            response = try await http.execute(request, timeout: .seconds(120))
            let buffer = try await response.body.collect(upTo: 64 << 20)
            data = Data(buffer: buffer)
        } catch {
            let target = absoluteURL.map { Self.origin($0) } ?? server.description
            if "\(error)".contains("failedToLoadPrivateKey") {
                throw CLIError(
                    "cannot use the client certificate and key for \(target): the key does not belong to the certificate "
                        + "or cannot be read — check tls.cert_file and tls.key_file in ~/.jitsudo/config.yaml")
            }
            throw CLIError("cannot reach \(target): \(Self.describe(error)) — check the address and that the server is running")
        }
        let requestID = response.headers.first(name: "X-Request-Id")
        if debug {
            let shownPath = absoluteURL.map { URLComponents(string: $0)?.path ?? $0 } ?? path
            Console.error("debug: \(method.rawValue) \(shownPath) → \(response.status.code) (X-Request-Id: \(requestID ?? "-"))")
        }
        return Response(status: Int(response.status.code), body: data, requestID: requestID)
    }

    /// Sends `body` (a wire contract type of JitsudoAPI) and decodes a JSON response of type `Result`.
    func call<Result: Decodable>(
        _ method: HTTPMethod, _ path: String, body: some Encodable, as type: Result.Type = Result.self
    ) async throws -> Result {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let response = try await raw(method, path, query: [], body: try encoder.encode(body))
        guard (200..<300).contains(response.status) else { throw Self.error(from: response) }
        return try decode(Result.self, response, method: method, path: path)
    }

    /// Sends a request without a body of its own (`{}` for POST, PATCH and PUT) and decodes a JSON response of type
    /// `Result`, mapping API errors to exit codes.
    func call<Result: Decodable>(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], as type: Result.Type = Result.self
    ) async throws -> Result {
        let body = method == .POST || method == .PATCH || method == .PUT ? Data("{}".utf8) : nil
        let response = try await raw(method, path, query: query, body: body)
        guard (200..<300).contains(response.status) else { throw Self.error(from: response) }
        return try decode(Result.self, response, method: method, path: path)
    }

    private func decode<Result: Decodable>(_ type: Result.Type, _ response: Response, method: HTTPMethod, path: String) throws -> Result {
        do {
            return try JSONDecoder().decodeBounded(Result.self, from: response.body)
        } catch {
            throw CLIError(
                "the server sent a response the CLI does not understand (\(method.rawValue) \(path)): \(error) — "
                    + "check that the server and CLI versions match")
        }
    }

    /// Maps an error response to the exit codes of `cli.md` §1.1: 401 → 4, everything else → 1.
    static func error(from response: Response) -> CLIError {
        let message: String
        if let body = try? JSONDecoder().decodeBounded(APIError.ErrorBody.self, from: response.body) {
            message = body.error.message.isEmpty ? body.message : body.error.message
        } else {
            let text = String(decoding: response.body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            message = text.isEmpty ? "HTTP \(response.status)" : "HTTP \(response.status): \(text)"
        }
        switch response.status {
        case 401:
            return CLIError("the server rejected the login (\(message)) — run 'jitsudo login'", exitCode: 4)
        case 403 where message.hasPrefix("not eligible"):
            return CLIError(message)
        case 403:
            return CLIError("permission denied: \(message)")
        case 404:
            return CLIError("not found: \(message)")
        case 500...:
            return CLIError("server error: \(message)\(response.requestID.map { " (request id \($0))" } ?? "")")
        default:
            return CLIError(message)
        }
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Percent-encodes a query key or value (only unreserved characters stay).
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    static let pathSegmentCharacters = unreserved.union(CharacterSet(charactersIn: "@:!$&'()*+,;="))

    /// Percent-encodes one path segment; `@` and `:` stay as they are (RFC 3986 pchar), so emails pass unchanged.
    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: pathSegmentCharacters) ?? text
    }

    static func origin(_ url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else { return url }
        return "\(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")"
    }

    static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("connectTimeout") { return "connection timed out" }
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("failedToValidateHostname") {
            let why = text.contains("Hostname") ? "it does not name this host" : "unknown certificate authority"
            return
                "TLS: the server's certificate is not trusted (\(why)); "
                + "put your organisation's CA certificate in ~/.jitsudo/ca.crt or pass --ca-file"
        }
        if text.contains("Connection refused") || text.contains("connectionRefused") || text.contains("ECONNREFUSED") {
            return "connection refused"
        }
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
