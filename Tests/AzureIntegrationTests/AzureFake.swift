import AsyncHTTPClient
import Foundation
import JitsudoTesting
import NIOCore
import NIOHTTP1
import NIOFoundationCompat
import NIOSSL

/// The Azure contract fake (Tests/Fakes/azure/fake_azure.py) as a subprocess on a free loopback port, over HTTPS with
/// a test CA generated for it. Stopped by ``stop()``; it also ends by itself when this test process is gone.
final class AzureFake: Sendable {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fakes/azure").path
    static let tenant = "11111111-1111-1111-1111-111111111111"
    static let clientID = "22222222-2222-2222-2222-222222222222"
    static let subscription = "33333333-3333-3333-3333-333333333333"

    let pki: String
    let baseURL: String
    let secret: String
    let federatedToken: String
    let process: Process
    let http: HTTPClient

    /// PKI in a fresh directory, then the fake serving it; waits (up to 30 s) for its port file.
    static func start(tokenLifetime: Int = 3599) async throws -> AzureFake {
        let pki = NSTemporaryDirectory() + "jitsudo-azure-fake-\(UUID().uuidString)"
        let made = try await Subprocess.run("/usr/bin/env", ["python3", directory + "/fake_azure.py", "pki", pki])
        guard made.status == 0 else { throw TestSupportError("fake_azure.py pki failed: \(made.stderr)") }
        return try await AzureFake(pki: pki, tokenLifetime: tokenLifetime)
    }

    private init(pki: String, tokenLifetime: Int) async throws {
        self.pki = pki
        secret = "secret-\(UUID().uuidString)"
        federatedToken = "federated-\(UUID().uuidString)"
        let portFile = pki + "/port"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", Self.directory + "/fake_azure.py", "serve", "--pki", pki, "--port-file", portFile,
            "--tenant", Self.tenant, "--client-id", Self.clientID, "--client-secret", secret,
            "--client-certificate", pki + "/client-cert.pem", "--federated-token", federatedToken,
            "--token-lifetime", String(tokenLifetime),
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/stderr")
        try process.run()
        self.process = process
        let port: Int
        do {
            port = try await announcedPort(in: portFile, by: process)
        } catch {
            process.terminate()
            throw TestSupportError("the azure fake did not start: \(error)")
        }
        baseURL = "https://127.0.0.1:\(port)"
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.additionalTrustRoots = [.file(pki + "/ca.pem")]
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    }

    var caFile: String { pki + "/ca.pem" }
    /// The client certificate registered on the fake's app (PEM with its key).
    var clientCertificateFile: String { pki + "/client.pem" }

    /// SIGTERM (Python's default handler ends the fake at once); never waits on a thread of the shared executor.
    func stop() async {
        process.terminate()
        try? await http.shutdown()
        try? FileManager.default.removeItem(atPath: pki)
    }

    /// A fresh fake for `body`, stopped afterwards whatever `body` does.
    static func with<Result: Sendable>(tokenLifetime: Int = 3599, _ body: (AzureFake) async throws -> Result) async throws -> Result {
        let fake = try await start(tokenLifetime: tokenLifetime)
        do {
            let result = try await body(fake)
            await fake.stop()
            return result
        } catch {
            await fake.stop()
            throw error
        }
    }

    /// A test-only admin call (`/_fake/...`); returns the JSON answer.
    @discardableResult
    func admin(_ method: HTTPMethod, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let body { request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: body))) }
        let response = try await http.execute(request, timeout: .seconds(30))
        let data = Data(buffer: try await response.body.collect(upTo: 64 << 20))
        guard response.status == .ok else { throw TestSupportError("fake admin \(path): \(response.status)") }
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    @discardableResult
    func addUser(_ upn: String) async throws -> String {
        let id = UUID().uuidString.lowercased()
        try await admin(.POST, "/_fake/users", ["upn": upn, "id": id])
        return id
    }

    /// Makes the next `times` calls whose path contains `path` (and method is `method`) answer `status`.
    func fault(_ method: String, pathContains path: String, status: Int, code: String, retryAfter: Int? = nil, times: Int = 1) async throws {
        var fault: [String: Any] = [
            "method": method, "path_contains": path, "status": status, "code": code, "times": times,
            "message": "injected \(code) for the test",
        ]
        if let retryAfter { fault["retry_after"] = retryAfter }
        try await admin(.POST, "/_fake/faults", fault)
    }

    struct State {
        var active: [[String: Any]]
        var scheduleRequests: [[String: Any]]
        var tokenRequests: Int
        var log: [[String: Any]]
    }

    func state() async throws -> State {
        let answer = try await admin(.GET, "/_fake/state")
        return State(
            active: answer["active"] as? [[String: Any]] ?? [], scheduleRequests: answer["scheduleRequests"] as? [[String: Any]] ?? [],
            tokenRequests: answer["tokenRequests"] as? Int ?? -1, log: answer["log"] as? [[String: Any]] ?? [])
    }

    /// `providers.azure.*` for jitsudod against this fake.
    func settings(mode: String, extra: [String: String] = [:]) -> [String: String] {
        [
            "enabled": "true", "tenant_id": Self.tenant, "client_id": Self.clientID, "client_secret": secret, "authority_url": baseURL,
            "arm_url": baseURL, "graph_url": baseURL, "ca_file": caFile, "mode": mode, "allowed_roles": "Reader,Contributor",
            "allowed_scopes": "/subscriptions/\(Self.subscription)", "reconcile_interval": "1s",
        ].merging(extra) { $1 }
    }
}
