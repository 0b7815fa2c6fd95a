import Foundation
import JitsudoCore
import JitsudoServer
import JitsudoServerTesting
import JitsudoStore
import JitsudoTesting
import NIOHTTP1
import Testing

/// SIGTERM drains first: `/readyz` turns 503 while the server keeps answering for `shutdown_delay_seconds`, so a
/// Service drops the replica before it stops accepting connections (a rolling restart loses none).
@Suite struct ShutdownDrainTests {
    @Test func onShutdownReadyzReportsDrainingWhileTheServerStillAnswersUntilTheDelayHasPassed() async throws {
        let clock = ManualClock()
        let url = try await TestPostgres.shared.createDatabase()
        var configuration = InProcessDaemon.configuration(databaseURL: url.urlString)
        configuration.http.shutdownDelaySeconds = 20
        try await InProcessDaemon.run(configuration, clock: AnyClock(clock), now: { clock.date }) { baseURL, daemon, shutdown in
            let server = TestServer(baseURL: baseURL, database: daemon.database, url: url, daemon: daemon)
            try await waitUntil("the replica is ready") { try await server.call(.GET, "/readyz").status == 200 }

            await shutdown.trigger()
            var readiness = (status: 0, body: "")
            try await waitUntil("/readyz reports draining") {
                let answer = try await server.call(.GET, "/readyz")
                readiness = (answer.status, answer.body)
                return answer.status == 503
            }
            let checks = try JSONSerialization.jsonObject(with: Data(readiness.body.utf8)) as? [String: Any]
            #expect((checks?["checks"] as? [String: String])?["shutdown"] == "draining: this replica is stopping", "\(readiness.body)")
            #expect(checks?["status"] as? String == "unavailable")

            // Draining, the API still answers: a client that reached this replica before its endpoint was dropped is
            // served. The clock has not moved, so the delay cannot have passed.
            let listed = try await server.call(.GET, "/api/v1alpha1/requests", as: "alice@example.com")
            #expect(listed.status == 200, "\(listed.body)")
            #expect(try await server.call(.GET, "/healthz").status == 200)
            #expect(!shutdown.hasFinished)

            // Once the delay has passed on the server's clock, the server and every service stop.
            try await waitUntil("the daemon has stopped after the shutdown delay") {
                _ = clock.advance(by: .seconds(20))
                return shutdown.hasFinished
            }
        }
    }
}
