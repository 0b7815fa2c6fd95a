import AsyncHTTPClient
import Foundation
import JitsudoAPI
import JitsudoCore
import JitsudoServer
import JitsudoStore
import JitsudoTesting
import Logging
import NIOCore
import NIOHTTP1
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Test double for authentication in workflow tests: `Bearer <email>;<group>,<group>`. Token verification
/// itself is tested against real issuers in JitsudoAuthTests and end to end with the development issuer.
struct HeaderAuthenticator: CallerAuthenticator {
    func authenticate(authorization: String?) async throws -> Caller {
        guard let header = authorization, header.lowercased().hasPrefix("bearer "), header.count > 7 else {
            throw APIError.unauthenticated("missing bearer token")
        }
        let parts = header.dropFirst(7).split(separator: ";", omittingEmptySubsequences: false)
        let email = String(parts[0])
        let groups = parts.count > 1 ? parts[1].split(separator: ",").map(String.init) : []
        return Caller(email: email, subject: email, groups: groups, isAdmin: groups.contains("jitsudo-admins"))
    }
}

/// A running `jitsudod` (in process, real HTTP on a loopback port, real PostgreSQL).
struct TestServer: Sendable {
    let baseURL: String
    let database: Database
    let url: DatabaseURL
    let daemon: Daemon

    /// Sends `method path` as `caller` (`email;group,group`) with an optional JSON body; returns status and body.
    func call(_ method: HTTPMethod, _ path: String, as caller: String? = nil, json: String? = nil,
              headers extra: [(String, String)] = []) async throws -> (status: Int, body: String, headers: HTTPHeaders) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let caller { request.headers.add(name: "Authorization", value: "Bearer \(caller)") }
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), String(buffer: body), response.headers)
    }

    func decode<T: Decodable>(_ type: T.Type, _ body: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(body.utf8))
    }
}

/// Starts a server on a fresh database with `policies` applied (name → (type, rego)), runs `body`, stops it.
func withServer<Result: Sendable>(
    policies: [(String, PolicyType, String)] = [],
    configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: @Sendable (TestServer) async throws -> Result
) async throws -> Result {
    let url = try await TestPostgres.shared.createDatabase()
    var configuration = ServerConfiguration()
    configuration.databaseURL = url.urlString
    configuration.oidcIssuer = "https://issuer.invalid"
    configuration.mockProviderEnabled = true
    configuration.credentialsKey = Data(repeating: 7, count: 32).base64EncodedString()
    configuration.sweepIntervalSeconds = 1
    // Many servers run in parallel against one test cluster: keep each pool small.
    configuration.databaseMaxConnections = 5
    configure(&configuration)
    var logger = Logger(label: "jitsudod.test")
    logger.logLevel = .warning
    let daemon = try await Daemon(configuration: configuration, logger: logger)
    let port = Mutex<Int?>(nil)
    let app = daemon.application(authenticator: HeaderAuthenticator(), host: "127.0.0.1", port: 0, onServerRunning: { channel in
        port.withLock { $0 = channel.localAddress?.port }
    })
    // The server runs in its own task, cancelled (not awaited) when the body ends: a slow or stuck shutdown must not
    // hold the test (shutdown itself is exercised by jitsudod's SIGTERM path).
    let running = Task { try await app.run() }
    defer { running.cancel() }
    do {
        var bound: Int?
        for _ in 0..<600 {
            bound = port.withLock { $0 }
            if bound != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard let bound else { throw TestSupportError("server did not start listening within 30 s") }
        let server = TestServer(baseURL: "http://127.0.0.1:\(bound)", database: daemon.database, url: url, daemon: daemon)
        for (name, type, rego) in policies {
            let body = try JSONSerialization.data(withJSONObject: ["name": name, "type": type.rawValue.lowercased(), "rego": rego, "enabled": true])
            let response = try await server.call(.POST, "/api/v1alpha1/policies", as: "root@example.com;jitsudo-admins",
                                                  json: String(decoding: body, as: UTF8.self))
            guard response.status == 200 else { throw TestSupportError("policy \(name) was refused: \(response.body)") }
        }
        return try await body(server)
    }
}
