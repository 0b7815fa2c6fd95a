public import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1
import JitsudoTesting
import LocalPostgres

/// `oidc-provider-mock` (PyPI, a test dependency installed by `scripts/ensure-deps.sh`) as a process on a free loopback
/// port: a real third-party OIDC provider for the tests that authenticate as production callers do.
public final class OIDCProviderMockProcess: @unchecked Sendable {
    /// `http://127.0.0.1:<port>`.
    public let baseURL: String
    private let process: Process

    private init(baseURL: String, process: Process) {
        self.baseURL = baseURL
        self.process = process
    }

    /// The mock's process id (for tests that stop it abruptly).
    public var pid: pid_t { process.processIdentifier }

    /// Starts the mock and waits (30 s at most) until it answers its discovery document. The port is free when chosen,
    /// but another test may bind it before the mock does: a mock that exits before it answers is started again on
    /// another port, three tries.
    ///
    /// - Throws: `TestSupportError` with what to do when the package is not installed or the mock does not start.
    public static func start(client: HTTPClient) async throws -> OIDCProviderMockProcess {
        guard try run(["python3", "-c", "import oidc_provider_mock"]).terminationStatus == 0 else {
            throw TestSupportError("oidc-provider-mock (PyPI) is not installed: run scripts/ensure-deps.sh (pip install oidc-provider-mock)")
        }
        var exits: [String] = []
        for _ in 0..<3 {
            let port = try PostgresCluster.freePort()
            let mock = OIDCProviderMockProcess(
                baseURL: "http://127.0.0.1:\(port)",
                process: try launch(["python3", "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", String(port)]))
            let deadline = ContinuousClock.now + .seconds(30)
            // Until it answers, a refused connection or another status is expected; the last one is reported.
            var lastAnswer = "no answer yet"
            while mock.process.isRunning, ContinuousClock.now < deadline {
                do {
                    let response = try await client.execute(
                        HTTPClientRequest(url: mock.baseURL + "/.well-known/openid-configuration"), timeout: .seconds(2))
                    if response.status.code == 200 { return mock }
                    lastAnswer = "HTTP \(response.status.code)"
                } catch {
                    lastAnswer = "\(error)"
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            guard !mock.process.isRunning else {
                mock.stop()
                throw TestSupportError("oidc-provider-mock did not answer within 30 s on port \(port) (last: \(lastAnswer))")
            }
            exits.append("port \(port): exited with status \(mock.process.terminationStatus) before answering")
        }
        throw TestSupportError("oidc-provider-mock did not start: \(exits.joined(separator: "; "))")
    }

    /// Stops the mock and waits for its exit. It holds no state worth a graceful stop (uvicorn drains slowly on SIGTERM).
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    private static func launch(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    private static func run(_ arguments: [String]) throws -> Process {
        let process = try launch(arguments)
        process.waitUntilExit()
        return process
    }
}
