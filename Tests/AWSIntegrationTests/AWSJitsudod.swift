import AsyncHTTPClient
import Foundation
import JitsudoProviders
import JitsudoServer
import JitsudoServerTesting
import JitsudoStore
import JitsudoTesting
import NIOCore
import NIOHTTP1
import Testing

/// jitsudod (in process, real PostgreSQL) with the `aws` provider on moto, and the `jitsudo` CLI binary beside it.
struct AWSJitsudod: Sendable {
    let url: String
    let moto: Moto.Environment
    /// The daemon's database (for tests that run leader work, such as a drift pass, themselves).
    let databaseURL: DatabaseURL

    static let eligibility = "package jitsudo.eligibility\n\nallow if \"sre\" in input.user.groups\n"
    /// Roles named `auto-*` need no approver (the expiry test), the rest need one.
    static let approval = "package jitsudo.approval\n\nallow := true\n\napprover_tier := \"auto\" if startswith(input.request.role, \"auto-\")\n"

    /// Runs `body` against jitsudod with the aws provider on moto as the least-privilege `jitsudod` user;
    /// `provider` values replace or add to those settings.
    static func with<Result: Sendable>(
        provider overrides: [String: String] = [:], _ body: @Sendable (AWSJitsudod) async throws -> Result
    ) async throws -> Result {
        let moto = try await Moto.shared.environment()
        let database = try await TestPostgres.shared.createDatabase()
        var configuration = InProcessDaemon.configuration(databaseURL: database.urlString)
        var values = [
            "enabled": "true", "endpoint_url": moto.endpoint, "shared_credentials_file": moto.credentialsFile, "profile": "jitsudod",
            "reconcile_interval": "1h",
        ]
        values.merge(overrides) { _, override in override }
        configuration.providers.cloud["aws"] = ProviderSettings(provider: "aws", values: values)
        return try await InProcessDaemon.run(configuration, label: "jitsudod.aws-test") { baseURL, _ in
            let server = AWSJitsudod(url: baseURL, moto: moto, databaseURL: database)
            try await DaemonAPI(baseURL: baseURL).applyPolicies([("eligibility", "eligibility", eligibility), ("approval", "approval", approval)])
            return try await body(server)
        }
    }

    func call(_ method: HTTPMethod, _ path: String, as caller: String, json: String? = nil) async throws -> (Int, String) {
        try await DaemonAPI(baseURL: url).call(method, path, as: caller, json: json)
    }

    /// The built `jitsudo` binary (next to the test bundle, or `JITSUDO_BIN_DIR`).
    static var cliPath: String {
        if let explicit = ProcessInfo.processInfo.environment["JITSUDO_BIN_DIR"] { return explicit + "/jitsudo" }
        var url = Bundle.main.bundleURL
        for _ in 0..<4 {
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("jitsudo").path) {
                return url.appendingPathComponent("jitsudo").path
            }
            url.deleteLastPathComponent()
        }
        return Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("jitsudo").path
    }

    /// The environment a CLI acting as `caller` (`email;group,…`) runs with: this server, a header token, a private HOME.
    func cliEnvironment(as caller: String) throws -> [String: String] {
        let home = NSTemporaryDirectory() + "jitsudo-aws-home-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        return [
            "HOME": home, "JITSUDO_SERVER": url, "JITSUDO_TOKEN": caller, "NO_COLOR": "1",
            "PATH": URL(fileURLWithPath: Self.cliPath).deletingLastPathComponent().path + ":"
                + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
            "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_DEFAULT_REGION": "us-east-1",
        ]
    }

    /// Runs `jitsudo arguments…` as `caller`.
    func cli(_ arguments: [String], as caller: String, env extra: [String: String] = [:]) async throws -> Subprocess.Result {
        var environment = try cliEnvironment(as: caller)
        for (key, value) in extra { environment[key] = value }
        return try await Subprocess.run(Self.cliPath, arguments, environment: environment)
    }

    /// Runs a bash script as `caller` with `jitsudo` first in PATH.
    func shell(_ script: String, as caller: String, env extra: [String: String] = [:]) async throws -> Subprocess.Result {
        var environment = try cliEnvironment(as: caller)
        for (key, value) in extra { environment[key] = value }
        return try await Subprocess.run("/bin/bash", ["-o", "pipefail", "-c", script], environment: environment)
    }
}

extension Subprocess.Result: CustomStringConvertible {
    var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
}

/// Polls `condition` until it holds or `seconds` pass; returns the seconds it took, nil on timeout.
func secondsUntil(within seconds: Double, _ condition: @Sendable () async throws -> Bool) async throws -> Double? {
    try await elapsedUntil(timeout: .milliseconds(Int(seconds * 1000)), condition).map {
        Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18
    }
}
