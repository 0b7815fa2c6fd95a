import AsyncHTTPClient
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import JitsudoCore
import JitsudoStore
import JitsudoTesting
import LocalPostgres
import NIOCore
import NIOHTTP1
import PostgresNIO
import Testing

/// Issue #13 against the release shape: a real `jitsudod serve` process, callers authenticated by a real OIDC
/// provider, the issue's policy, and the issue's request (a valid RFC 3339 time outside int64 nanoseconds). Before
/// the fix the process died of `arithmetic overflow`; now it refuses the request (403), audits the refusal, is still
/// running, and serves the next request. HostilePolicyInputTests covers every builtin in process.
@Suite struct HostileRequestProcessTests {
    static let policy = """
        package jitsudo.eligibility

        allow if {
            "sre" in input.user.groups
            time.parse_rfc3339_ns(input.request.metadata.until) > time.now_ns()
        }
        """

    @Test(.timeLimit(.minutes(3)))
    func theIssueRequestIsRefusedAndTheProcessKeepsServing() async throws {
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        do {
            try await scenario(http: http)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    func scenario(http: HTTPClient) async throws {
        let url = try await TestPostgres.shared.createDatabase()
        let oidc = try await OIDCIssuer.start(client: http)
        defer { oidc.stop() }
        let adminToken = try await oidc.idToken(client: http, subject: "root", email: "root@example.com", groups: ["jitsudo-admins"])
        let userToken = try await oidc.idToken(client: http, subject: "alice", email: "alice@example.com", groups: ["sre"])
        let logPath = FileManager.default.temporaryDirectory.appendingPathComponent("jitsudod-hostile-\(UUID().uuidString.prefix(8)).log").path
        let replica = try ReplicaProcess(
            id: "hostile", port: try PostgresCluster.freePort(),
            environment: [
                "JITSUDOD_DATABASE_URL": url.urlString,
                "JITSUDOD_DATABASE_MAX_CONNECTIONS": "4",
                "JITSUDOD_OIDC_ISSUER": oidc.baseURL,
                "JITSUDOD_CREDENTIALS_KEY": Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString(),
                "JITSUDOD_PROVIDERS_MOCK_ENABLED": "true",
            ], logPath: logPath)
        defer { replica.signal(SIGKILL) }
        try await Self.waitUntilReady(replica, http: http)

        let api = API(http: http)
        let approval = "package jitsudo.approval\n\napprover_tier := \"auto\"\n"
        for (name, type, rego) in [("issue13", "eligibility", Self.policy), ("approval", "approval", approval)] {
            let (status, body) = try await api.call(
                .POST, replica.baseURL + "/api/v1alpha1/policies", token: adminToken,
                json: ["name": name, "type": type, "rego": rego, "enabled": true])
            #expect(status == 200, "\(body)")
        }
        func submit(until: String) async throws -> (status: Int, body: [String: Any]) {
            do {
                return try await api.call(
                    .POST, replica.baseURL + "/api/v1alpha1/requests", token: userToken,
                    json: [
                        "provider": "mock", "role": "viewer", "resource_scope": "acct-1", "duration_seconds": 600, "reason": "INC-13",
                        "metadata": ["until": until],
                    ])
            } catch {
                await replica.awaitExitBriefly()
                throw TestSupportError("no answer for until=\(until) (\(error)); jitsudod running: \(replica.isRunning)\n\(replica.log.suffix(2000))")
            }
        }
        for hostile in ["1677-09-21T00:12:43Z", "2262-04-11T23:47:16.854775808Z", "9999-12-31T23:59:59.999999999Z"] {
            let (status, body) = try await submit(until: hostile)
            #expect(status == 403, "\(hostile): \(status) \(body)")
            #expect((body["message"] as? String)?.hasPrefix("not eligible: ") == true, "\(body)")
            #expect(replica.isRunning, "jitsudod died on \(hostile):\n\(replica.log.suffix(2000))")
        }
        let (status, body) = try await submit(until: "2262-04-11T23:47:16Z")
        #expect(status == 200, "a normal request after the hostile ones: \(status) \(body)\n\(replica.log.suffix(2000))")

        let refusals = try await withClient(url, maximumConnections: 1) { database in
            try await AuditLog(database: database).events(matching: .init(action: "request.not_eligible"), pageSize: 10).events
        }
        #expect(refusals.count == 3 && refusals.allSatisfy { $0.actorIdentity == "alice@example.com" && $0.outcome == .failure })
        #expect(await replica.terminate(grace: .seconds(20)), "jitsudod did not stop on SIGTERM")
    }

    static func waitUntilReady(_ replica: ReplicaProcess, http: HTTPClient) async throws {
        for _ in 0..<600 {
            if let response = try? await http.execute(HTTPClientRequest(url: replica.baseURL + "/readyz"), timeout: .seconds(2)),
                response.status.code == 200
            {
                return
            }
            guard replica.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSupportError("jitsudod did not become ready:\n\(replica.log.suffix(3000))")
    }
}

extension ReplicaProcess {
    /// Gives a process whose connection just dropped up to 2 s to finish exiting, so `isRunning` tells what happened.
    func awaitExitBriefly() async {
        for _ in 0..<40 where isRunning { try? await Task.sleep(for: .milliseconds(50)) }
    }
}
