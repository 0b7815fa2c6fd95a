import AsyncHTTPClient
import Foundation
import JitsudoCore
import JitsudoStore
import JitsudoTesting
import LocalPostgres
import NIOHTTP1
import PostgresNIO
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Audit sequencing is leader work, on real `jitsudod` processes: of two replicas on one database only the leader links
/// staged events and exports the sequencing series; when it stops, the other takes over and links what was staged
/// meanwhile, and the chain verifies with nothing left staged.
@Suite(.serialized) struct AuditSequencingProcessTests {
    @Test(.timeLimit(.minutes(2))) func onlyTheLeaderSequencesAndTheNextLeaderTakesOver() async throws {
        let http = HTTPClient.shared
        let cluster = try await blocking { try PostgresCluster.start() }
        let directory = cluster.directory.deletingLastPathComponent().appendingPathComponent("jitsudo-sequencing-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let reaper = try OrphanReaper(directory: directory, clusterData: cluster.directory.appendingPathComponent("data"))
        defer {
            reaper.stop()
            cluster.stop()
        }
        let server = try DatabaseURL(cluster.url())
        _ = try await withClient(server, maximumConnections: 1) { admin in try await admin.query("CREATE DATABASE jitsudo_sequencing") }
        let url = server.with(database: "jitsudo_sequencing")
        let environment = [
            "JITSUDOD_DATABASE_URL": url.urlString,
            // Never contacted: no request is authenticated in this test.
            "JITSUDOD_OIDC_ISSUER": "http://127.0.0.1:9/",
            "JITSUDOD_CREDENTIALS_KEY": Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString(),
        ]
        func start(_ id: String) throws -> ReplicaProcess {
            let replica = try ReplicaProcess(
                id: id, port: try PostgresCluster.freePort(), environment: environment, logPath: directory.appendingPathComponent("\(id).log").path)
            reaper.record(replica.pid)
            return replica
        }
        func metrics(_ replica: ReplicaProcess) async throws -> String {
            let response = try await http.execute(HTTPClientRequest(url: replica.baseURL + "/metrics"), timeout: .seconds(5))
            return String(buffer: try await response.body.collect(upTo: 4 << 20))
        }
        func exportsSequencing(_ text: String) -> Bool {
            text.split(separator: "\n").contains { $0.hasPrefix("jitsudo_audit_unsequenced_oldest_seconds ") }
        }

        let first = try start("a")
        defer { first.signal(SIGKILL) }
        try await waitUntil("a leads") { first.log.contains("leadership acquired") }
        let second = try start("b")
        defer { second.signal(SIGKILL) }
        try await waitUntil("b is ready") {
            (try? await http.execute(HTTPClientRequest(url: second.baseURL + "/readyz"), timeout: .seconds(2)))?.status.code == 200
        }

        try await withClient(url, maximumConnections: 2) { database in
            let log = AuditLog(database: database)
            // Events staged as any replica stages them; only the leader may link them.
            for index in 0..<20 {
                try await log.append(AuditDraft(actor: "before@example.com", action: "request.created", details: ["n": .int(Int64(index))]))
            }
            try await waitUntil("the leader links the staged events") {
                try await scalar(database, "SELECT count(*)::integer FROM audit_events") == 20
            }
            #expect(exportsSequencing(try await metrics(first)), "the leader exports jitsudo_audit_unsequenced_oldest_seconds")
            #expect(!exportsSequencing(try await metrics(second)), "a standby does not sequence")
            #expect(!second.log.contains("leadership acquired"))

            // The leader stops; what is staged meanwhile is linked by the next one.
            let stopped = await first.terminate(grace: .seconds(15))
            #expect(stopped, "a did not stop on SIGTERM:\n\(first.log.suffix(2000))")
            for index in 0..<10 {
                try await log.append(AuditDraft(actor: "after@example.com", action: "request.created", details: ["n": .int(Int64(index))]))
            }
            try await waitUntil("b takes over") { second.log.contains("leadership acquired") }
            try await waitUntil("the new leader links them") { try await scalar(database, "SELECT count(*)::integer FROM audit_events") == 30 }
            #expect(exportsSequencing(try await metrics(second)))
            let verification = try await log.verify()
            #expect(verification.summary == "Chain intact: 30 events verified" && verification.unsequencedEvents == 0, "\(verification)")
            let order = try await log.events(matching: .init(actorIdentity: "after@example.com"), pageSize: 20).events.map(\.detailsJSON)
            #expect(order == (0..<10).map { #"{"n":\#($0)}"# })
        }
        #expect(await second.terminate(grace: .seconds(15)))
    }
}
