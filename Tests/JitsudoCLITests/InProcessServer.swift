import Foundation
import JitsudoAPI
import JitsudoServer
import JitsudoStore
import JitsudoTesting
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

/// Test double for authentication: `Bearer <email>;<group>,<group>`. Token verification itself is tested with
/// the development issuer (``RunbookTests``) and in JitsudoAuthTests.
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

/// The real server code in this process (real HTTP on a loopback port, real PostgreSQL, the mock provider and
/// the development policies), with header tokens instead of OIDC.
struct InProcessServer: RunbookBackend {
    let url: String

    func adminCLI() async throws -> CLIRunner {
        try CLIRunner(environment: ["JITSUDO_SERVER": url, "JITSUDO_TOKEN": "dev@example.com;jitsudo-admins"])
    }

    func token(email: String, groups: [String]) async throws -> String { "\(email);\(groups.joined(separator: ","))" }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func with<Result: Sendable>(_ body: @Sendable (InProcessServer) async throws -> Result) async throws -> Result {
        let database = try await TestPostgres.shared.createDatabase()
        var configuration = ServerConfiguration()
        configuration.databaseMaxConnections = 5
        configuration.databaseURL = database.urlString
        configuration.oidcIssuer = "https://issuer.invalid"
        configuration.mockProviderEnabled = true
        configuration.developmentMode = true
        configuration.credentialsKey = Data(repeating: 7, count: 32).base64EncodedString()
        var logger = Logger(label: "jitsudod.cli-tests")
        logger.logLevel = .warning
        let daemon = try await Daemon(configuration: configuration, logger: logger)
        let port = Mutex<Int?>(nil)
        let app = daemon.application(authenticator: HeaderAuthenticator(), host: "127.0.0.1", port: 0, onServerRunning: { channel in
            port.withLock { $0 = channel.localAddress?.port }
        })
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            defer { group.cancelAll() }
            var bound: Int?
            for _ in 0..<600 {
                bound = port.withLock { $0 }
                if bound != nil { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            guard let bound else { throw Failure(description: "server did not start listening within 30 s") }
            return try await body(InProcessServer(url: "http://127.0.0.1:\(bound)"))
        }
    }
}

/// The runbooks against the in-process server: the CLI binary, real HTTP, real PostgreSQL.
@Suite(.serialized) struct InProcessRunbookTests {
    @Test func runbook1DisableBrokenPolicyRestoresAccess() async throws {
        try await InProcessServer.with { try await Runbooks.runbook1($0) }
    }

    @Test func runbook4BreakGlassThenRevoke() async throws {
        try await InProcessServer.with { try await Runbooks.runbook4($0) }
    }

    @Test func runbook5RevokeEveryGrantOfACompromisedUser() async throws {
        try await InProcessServer.with { try await Runbooks.runbook5($0) }
    }
}
