import AsyncHTTPClient
import Foundation
import Hummingbird
import JitsudoServer
import JitsudoServerTesting
import JitsudoStore
import JitsudoTesting
import NIOCore
import NIOPosix
import PostgresNIO
import Testing

/// How jitsudod serves connections (docs/decisions.md, issue 18's sixth step): each HTTP connection on its event loop.
@Suite struct ConnectionServingTests {
    /// A handler resumes after a database reply on the event loop that serves its connection, not on a thread of the
    /// global executor (there, `currentEventLoop` is nil).
    @Test func aHandlerStaysOnItsConnectionsEventLoopAcrossADatabaseReply() async throws {
        let url = try await TestPostgres.shared.createDatabase()
        try await withClient(url, maximumConnections: 2) { database in
            let configuration = InProcessDaemon.configuration(databaseURL: url.urlString)
            let routes: JitsudoApplication.RouteExtension = { router in
                router.get("test/event-loop") { _, _ -> String in
                    let before = MultiThreadedEventLoopGroup.currentEventLoop.map { ObjectIdentifier($0) }
                    for try await _ in try await database.query("SELECT 1") {}
                    let after = MultiThreadedEventLoopGroup.currentEventLoop.map { ObjectIdentifier($0) }
                    guard let before else { return "the handler ran off the event loops" }
                    return before == after ? "same loop" : "resumed on \(after == nil ? "no event loop" : "another event loop")"
                }
            }
            try await InProcessDaemon.run(configuration, routes: routes) { baseURL, _ in
                // Fresh connections, so that both event loops serve some.
                for _ in 0..<6 {
                    let client = HTTPClient(eventLoopGroupProvider: .singleton)
                    do {
                        let response = try await client.execute(HTTPClientRequest(url: baseURL + "/test/event-loop"), timeout: .seconds(30))
                        #expect(String(buffer: try await response.body.collect(upTo: 1024)) == "same loop")
                    } catch {
                        try await client.shutdown()
                        throw error
                    }
                    try await client.shutdown()
                }
            }
        }
    }
}
