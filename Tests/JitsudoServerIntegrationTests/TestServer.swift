import AsyncHTTPClient
import Foundation
import JitsudoAPI
import JitsudoCore
import JitsudoServer
import JitsudoStore
import JitsudoTesting
import JitsudoServerTesting
import Logging
import NIOCore
import NIOHTTP1
import PostgresNIO

/// A running `jitsudod` (in process, real HTTP on a loopback port, real PostgreSQL).
struct TestServer: Sendable {
    let baseURL: String
    let database: Database
    let url: DatabaseURL
    let daemon: Daemon

    /// Sends `method path` as `caller` (`email;group,group`) with an optional JSON body; returns status and body.
    func call(
        _ method: HTTPMethod, _ path: String, as caller: String? = nil, json: String? = nil,
        headers extra: [(String, String)] = []
    ) async throws -> (status: Int, body: String, headers: HTTPHeaders) {
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
        let text = String(buffer: body)
        LeakCapture.recordResponse(path: path, status: Int(response.status.code), text)
        return (Int(response.status.code), text, response.headers)
    }

    func decode<T: Decodable>(_ type: T.Type, _ body: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(body.utf8))
    }
}

/// Starts a server on a fresh database with `policies` applied (name → (type, rego)), runs `body`, stops it. With
/// `clock`, the server's time is that manual clock: it moves only when the test advances it.
func withServer<Result: Sendable>(
    policies: [(String, PolicyType, String)] = [],
    clock: ManualClock? = nil,
    configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: @Sendable (TestServer) async throws -> Result
) async throws -> Result {
    let url = try await TestPostgres.shared.createDatabase()
    var configuration = InProcessDaemon.configuration(databaseURL: url.urlString)
    configure(&configuration)
    let time: (AnyClock, @Sendable () -> Date) = clock.map { clock in (AnyClock(clock), { clock.date }) } ?? (.continuous, { Date() })
    return try await InProcessDaemon.run(configuration, clock: time.0, now: time.1) { baseURL, daemon in
        let server = TestServer(baseURL: baseURL, database: daemon.database, url: url, daemon: daemon)
        for (name, type, rego) in policies {
            let body = try JSONSerialization.data(withJSONObject: ["name": name, "type": type.rawValue.lowercased(), "rego": rego, "enabled": true])
            let response = try await server.call(
                .POST, "/api/v1alpha1/policies", as: "root@example.com;jitsudo-admins",
                json: String(decoding: body, as: UTF8.self))
            guard response.status == 200 else { throw TestSupportError("policy \(name) was refused: \(response.body)") }
        }
        return try await body(server)
    }
}

/// The loops of a leading replica paced by its clock: leader election (heartbeat), the replica report, the policy
/// re-sync and the grant sweeper. With a ``ManualClock`` all of them sleep on it between rounds.
let pacedLoopsOfALeader = 4
