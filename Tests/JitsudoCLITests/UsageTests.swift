import Foundation
import Testing

/// The real binary without a server: usage errors, missing login or server, help, version, completion.
@Suite struct UsageTests {
    @Test func unknownOutputFormatIsAUsageError() async throws {
        let cli = try CLIRunner()
        let result = try await cli.run(["status", "-o", "xml"], env: ["JITSUDO_SERVER": "http://127.0.0.1:9", "JITSUDO_TOKEN": "t"])
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains("Error:"), "\(result)")
        #expect(result.stdout.isEmpty)
    }

    @Test func csvIsOnlyForAudit() async throws {
        let cli = try CLIRunner()
        let result = try await cli.run(["policy", "list", "-o", "csv"], env: ["JITSUDO_SERVER": "http://127.0.0.1:9", "JITSUDO_TOKEN": "t"])
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains("csv is supported only by 'jitsudo audit'"), "\(result)")
    }

    @Test(arguments: [
        ["request", "--provider", "aws", "--role", "admin", "--scope", "1", "--duration", "90"],
        ["request", "--provider", "aws", "--role", "admin"],
        ["status", "--state", "sleeping"],
        ["deny", "req_01ABC"],
        ["revoke"],
        ["policy", "update", "--name", "x"],
        ["policy", "eval", "--input", "{not json"],
        ["frobnicate"],
        ["exec", "req_01ABC"],
        ["audit", "--since", "yesterday"],
        ["principal", "set-tier", "a@example.com", "9"],
    ])
    func usageErrorsExit64AndSendNothing(arguments: [String]) async throws {
        let cli = try CLIRunner()
        // The server address points at a port nobody listens on: a request would fail with exit 1, not 64.
        let result = try await cli.run(arguments, env: ["JITSUDO_SERVER": "http://127.0.0.1:9", "JITSUDO_TOKEN": "t", "JITSUDO_DEBUG": "1"])
        #expect(result.status == 64, "\(arguments): \(result)")
        #expect(result.stderr.contains("Error:"), "\(result)")
        #expect(!result.stderr.contains("cannot reach"), "\(result)")
    }

    @Test func notLoggedInExits4WithTheContractMessage() async throws {
        let cli = try CLIRunner()
        let result = try await cli.run(["status"], env: ["JITSUDO_SERVER": "http://127.0.0.1:9"])
        #expect(result.status == 4, "\(result)")
        #expect(result.stderr == "Error: not authenticated — run 'jitsudo login' first\n", "\(result)")
        #expect(result.stdout.isEmpty)
    }

    @Test func expiredLoginExits4NamingTheTime() async throws {
        let cli = try CLIRunner()
        let directory = cli.home + "/.jitsudo"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "server_url: http://127.0.0.1:9\ntoken: abc\nexpires_at: 2020-01-01T00:00:00Z\nemail: a@example.com\n"
            .write(toFile: directory + "/credentials", atomically: true, encoding: .utf8)
        let result = try await cli.run(["status"])
        #expect(result.status == 4, "\(result)")
        #expect(result.stderr == "Error: login expired at 2020-01-01T00:00:00Z — run 'jitsudo login'\n", "\(result)")
    }

    @Test func noServerIsAUsageErrorWithTheContractMessage() async throws {
        let cli = try CLIRunner()
        let result = try await cli.run(["status"], env: ["JITSUDO_TOKEN": "t"])
        #expect(result.status == 64, "\(result)")
        #expect(
            result.stderr == "Error: no server URL configured — pass --server <URL>, set JITSUDO_SERVER=<URL>, "
                + "or add 'server: <URL>' to ~/.jitsudo/config.yaml\n",
            "\(result)"
        )
    }

    @Test func unreachableServerExits1() async throws {
        let cli = try CLIRunner()
        let result = try await cli.run(["status"], env: ["JITSUDO_SERVER": "127.0.0.1:9", "JITSUDO_TOKEN": "t"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.hasPrefix("Error: cannot reach http://127.0.0.1:9"), "\(result)")
    }

    @Test func globalFlagsWorkBeforeTheCommandToo() async throws {
        let cli = try CLIRunner()
        let before = try await cli.run(["--server", "127.0.0.2:9", "--token", "t", "-o", "json", "policy", "list"])
        #expect(before.status == 1, "\(before)")
        #expect(before.stderr.hasPrefix("Error: cannot reach http://127.0.0.2:9"), "\(before)")
        let mixed = try await cli.run(["--server=127.0.0.3:9", "-q", "status", "--token", "t"])
        #expect(mixed.stderr.hasPrefix("Error: cannot reach http://127.0.0.3:9"), "\(mixed)")
        let badFormat = try await cli.run(["-o", "xml", "status"], env: ["JITSUDO_SERVER": "http://127.0.0.1:9", "JITSUDO_TOKEN": "t"])
        #expect(badFormat.status == 64, "\(badFormat)")
        // Refused for its value (not as an unknown option, which -o before the command would be without hoisting).
        #expect(badFormat.stderr.contains("xml") && !badFormat.stderr.contains("Unknown option"), "\(badFormat)")
    }

    @Test func serverStatusReportsDownAndExits1() async throws {
        let cli = try CLIRunner()
        let result = try await cli.run(["server", "status", "--server-url", "http://127.0.0.1:9"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains("liveness    DOWN     cannot reach http://127.0.0.1:9/healthz"), "\(result)")
        #expect(result.stdout.hasPrefix("Component   Status   Detail"), "\(result)")
    }

    @Test func serverComesFromTheConfigFileUnlessTheEnvironmentSaysOtherwise() async throws {
        let cli = try CLIRunner()
        let config = cli.home + "/custom.yaml"
        try "server: 127.0.0.1:9\n".write(toFile: config, atomically: true, encoding: .utf8)
        let fromConfig = try await cli.run(["status", "--config", config], env: ["JITSUDO_TOKEN": "t"])
        #expect(fromConfig.status == 1, "\(fromConfig)")
        #expect(fromConfig.stderr.hasPrefix("Error: cannot reach http://127.0.0.1:9: "), "\(fromConfig)")
        let fromEnvironment = try await cli.run(["status", "--config", config], env: ["JITSUDO_TOKEN": "t", "JITSUDO_SERVER": "http://127.0.0.1:7"])
        #expect(fromEnvironment.stderr.hasPrefix("Error: cannot reach http://127.0.0.1:7: "), "\(fromEnvironment)")
        let fromFlag = try await cli.run(
            ["status", "--config", config, "--server", "127.0.0.2:9"], env: ["JITSUDO_TOKEN": "t", "JITSUDO_SERVER": "http://127.0.0.1:7"])
        #expect(fromFlag.stderr.hasPrefix("Error: cannot reach http://127.0.0.2:9: "), "\(fromFlag)")
        let missing = try await cli.run(["status", "--config", cli.home + "/nope.yaml"], env: ["JITSUDO_TOKEN": "t"])
        #expect(missing.status == 64, "\(missing)")
    }

    @Test func versionPrintsTheCLIVersion() async throws {
        let cli = try CLIRunner()
        let result = try await cli.run(["version"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("jitsudo "), "\(result)")
        let json = try await cli.run(["version", "-o", "json"])
        #expect(json.stdout.contains("\"version\""), "\(json)")
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScripts(shell: String) async throws {
        let cli = try CLIRunner()
        let result = try await cli.run(["completion", shell])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("jitsudo"), "\(result)")
        #expect(result.stdout.contains("revoke"), "\(result)")
    }

    @Test(arguments: [
        ["--help"], ["request", "--help"], ["status", "--help"], ["revoke", "--help"], ["audit", "verify", "--help"],
        ["policy", "eval", "--help"], ["exec", "--help"], ["server", "status", "--help"],
    ])
    func helpExplainsWithAnExample(arguments: [String]) async throws {
        let cli = try CLIRunner()
        let result = try await cli.run(arguments)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("OVERVIEW:"), "\(result)")
        #expect(result.stdout.contains("jitsudo "), "\(result)")
        #expect(result.stdout.lowercased().contains("example"), "\(result)")
    }
}
