import Foundation
import JitsudoAPI
import JitsudoServer
import JitsudoStore
import JitsudoTesting
import JitsudoServerTesting
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

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
        var configuration = InProcessDaemon.configuration(databaseURL: database.urlString)
        configuration.developmentMode = true
        return try await InProcessDaemon.run(configuration, label: "jitsudod.cli-tests") { baseURL, _ in
            try await body(InProcessServer(url: baseURL))
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
