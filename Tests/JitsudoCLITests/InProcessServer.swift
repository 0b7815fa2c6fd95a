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
import JitsudoDevelopment

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
        configuration.policies.seeds = DevelopmentPolicies.all
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

    @Test func execForwardsSignalsAndPassesTheChildsExitCodeThrough() async throws {
        try await InProcessServer.with { server in
            let cli = try await server.adminCLI()
            let id = try await breakGlassGrant(cli)
            let script = """
                out=$(mktemp)
                jitsudo exec \(id) -- sh -c 'trap "echo got-term; kill \\$! 2>/dev/null; exit 42" TERM; echo ready; sleep 30 & wait' > "$out" 2>&1 &
                pid=$!
                for i in $(seq 1 200); do grep -q ready "$out" && break; sleep 0.1; done
                kill -TERM "$pid"
                wait "$pid"; code=$?
                cat "$out"; echo "exit=$code"
                """
            let result = try await cli.shell(script)
            #expect(result.stdout.contains("ready") && result.stdout.contains("got-term"), "the child received SIGTERM: \(result)")
            #expect(result.stdout.contains("exit=42"), "the child's exit code is passed through: \(result)")
            let direct = try await cli.run(["exec", id, "--", "sh", "-c", "test -n \"$MOCK_ACCESS_KEY\" && exit 7"])
            #expect(direct.status == 7, "credentials in the environment, exit code passed through: \(direct)")
        }
    }

    @Test func colourOnlyOnATerminalAndNeverWhenAskedNotTo() async throws {
        try await InProcessServer.with { server in
            let cli = try await server.adminCLI()
            _ = try await breakGlassGrant(cli)
            // `script` gives the CLI a pseudo-terminal; NO_COLOR (set for every other test) is removed for it.
            let onTerminal = try await cli.shell("env -u NO_COLOR script -qec 'jitsudo status' /dev/null")
            #expect(onTerminal.stdout.contains("\u{1B}[") && onTerminal.stdout.contains("ACTIVE"), "coloured on a terminal: \(onTerminal)")
            let flag = try await cli.shell("env -u NO_COLOR script -qec 'jitsudo status --no-color' /dev/null")
            #expect(flag.stdout.contains("ACTIVE") && !flag.stdout.contains("\u{1B}["), "\(flag)")
            let environment = try await cli.shell("NO_COLOR=1 script -qec 'jitsudo status' /dev/null")
            #expect(environment.stdout.contains("ACTIVE") && !environment.stdout.contains("\u{1B}["), "\(environment)")
            let piped = try await cli.shell("env -u NO_COLOR jitsudo status | cat")
            #expect(piped.stdout.contains("ACTIVE") && !piped.stdout.contains("\u{1B}["), "not a terminal: \(piped)")
        }
    }

    /// An ACTIVE grant at once (break-glass on the development policies); returns its id.
    func breakGlassGrant(_ cli: CLIRunner) async throws -> String {
        let created = try await cli.run([
            "request", "--provider", "mock", "--role", "admin", "--scope", "dev", "--duration", "30m",
            "--reason", "INC-7 test", "--break-glass", "-q",
        ])
        #expect(created.status == 0, "\(created)")
        return created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
