import Foundation
import JitsudoTesting
import Synchronization
import Testing

/// One moto_server per test process (started on first use, stopped when the process ends) with its IAM checks
/// switched on after the bootstrap: an admin user for fixtures, and `jitsudod` with exactly the documented
/// least-privilege policy (Fixtures/jitsudod-policy.json).
actor Moto {
    struct Keys: Decodable, Sendable {
        var access_key_id: String
        var secret_access_key: String
        var arn: String
    }

    struct Environment: Sendable {
        var endpoint: String
        var admin: Keys
        var jitsudod: Keys
        /// A shared credentials file whose `[jitsudod]` profile is jitsudod's key.
        var credentialsFile: String
    }

    static let shared = Moto()
    static let account = "123456789012"
    static var fixtures: String { URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path }

    private var started: Environment?

    func environment() async throws -> Environment {
        if let started { return started }
        let endpoint = try await Self.launch()
        let bootstrap = try await Self.fixture(endpoint, ["bootstrap", Self.fixtures + "/jitsudod-policy.json"], keys: nil)
        struct Users: Decodable {
            var admin: Keys
            var jitsudod: Keys
        }
        let users = try JSONDecoder().decode(Users.self, from: Data(bootstrap.utf8))
        let file = NSTemporaryDirectory() + "jitsudo-aws-credentials-\(UUID().uuidString)"
        try "[jitsudod]\naws_access_key_id = \(users.jitsudod.access_key_id)\naws_secret_access_key = \(users.jitsudod.secret_access_key)\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let environment = Environment(endpoint: endpoint, admin: users.admin, jitsudod: users.jitsudod, credentialsFile: file)
        started = environment
        return environment
    }

    /// A moto_server without IAM checks (moto cannot serve unsigned calls such as `AssumeRoleWithWebIdentity` with them on).
    static func launch() async throws -> String {
        let portFile = NSTemporaryDirectory() + "jitsudo-moto-\(UUID().uuidString).port"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [fixtures + "/start-moto.sh", "\(ProcessInfo.processInfo.processIdentifier)", portFile]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        do {
            return "http://127.0.0.1:\(try await announcedPort(in: portFile, by: process, timeout: .seconds(60)))"
        } catch {
            throw TestSupportError("moto_server did not start (\(error); see \(portFile).log); run scripts/ensure-deps.sh")
        }
    }

    /// Runs Fixtures/moto_fixture.py against `endpoint` as `keys` (the admin) and returns its stdout.
    static func fixture(_ endpoint: String, _ arguments: [String], keys: Keys?) async throws -> String {
        var environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        environment["AWS_ACCESS_KEY_ID"] = keys?.access_key_id ?? "AKIAFIXTURE000000000"
        environment["AWS_SECRET_ACCESS_KEY"] = keys?.secret_access_key ?? "fixture"
        let result = try await Subprocess.run(
            "/usr/bin/env", ["python3", fixtures + "/moto_fixture.py", endpoint] + arguments, environment: environment)
        guard result.status == 0 else { throw TestSupportError("moto_fixture.py \(arguments.first ?? "") failed: \(result.stderr)") }
        return result.stdout
    }

    /// A target role jitsudod may assume (or, with `trusting`, that only trusts another principal).
    func role(_ name: String, trusting principal: String? = nil) async throws -> String {
        let environment = try await self.environment()
        _ = try await Self.fixture(environment.endpoint, ["role", name, principal ?? environment.jitsudod.arn], keys: environment.admin)
        return name
    }

    /// Runs the real `aws` CLI against moto with `environment` (credentials, config file) and returns the result.
    func aws(_ arguments: [String], environment extra: [String: String]) async throws -> Subprocess.Result {
        let environment = try await self.environment()
        var env = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory(),
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        ]
        for (key, value) in extra { env[key] = value }
        return try await Subprocess.run("/usr/bin/env", ["aws", "--endpoint-url", environment.endpoint] + arguments, environment: env)
    }
}

/// Every test against the shared moto_server, one at a time: moto resolves a request's account and resources in
/// shared state, and concurrent calls were seen to evaluate a role policy against the wrong resource.
@Suite(.serialized) enum MotoTests {}
