import AsyncHTTPClient
import Foundation
import JitsudoStore
import JitsudoTesting
import LocalPostgres
import PostgresNIO
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real `jitsudod` binary: a clean start logs no warning, and SIGTERM ends it within the bound whatever the
/// database does — down, or frozen mid-query (every backend stopped) while this replica leads.
@Suite(.serialized) struct ShutdownTests {
    /// The issue's bound is 2 s; the deadline leaves room for a loaded CI machine without hiding a hang (which
    /// used to last until SIGKILL).
    static let deadline: Duration = .seconds(5)

    enum DatabaseFault: String, CaseIterable, Sendable {
        case down
        case frozen
    }

    @Test(.timeLimit(.minutes(2)), arguments: DatabaseFault.allCases)
    func sigtermEndsTheLeaderPromptlyWhateverTheDatabaseDoes(fault: DatabaseFault) async throws {
        let http = HTTPClient.shared
        let cluster = try await blocking { try PostgresCluster.start() }
        let directory = cluster.directory.deletingLastPathComponent().appendingPathComponent("jitsudo-shutdown-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let reaper = try OrphanReaper(directory: directory, clusterData: cluster.directory.appendingPathComponent("data"))
        let postmaster = try Self.postmasterPID(cluster)
        defer {
            Self.signalCluster(postmaster, SIGCONT)
            reaper.stop()
            cluster.stop()
        }
        let server = try DatabaseURL(cluster.url())
        _ = try await withClient(server, maximumConnections: 1) { admin in try await admin.query("CREATE DATABASE jitsudo_shutdown") }
        let replica = try ReplicaProcess(
            id: "solo", port: try PostgresCluster.freePort(),
            environment: [
                "JITSUDOD_DATABASE_URL": server.with(database: "jitsudo_shutdown").urlString,
                // Never contacted: no request is authenticated in this test.
                "JITSUDOD_OIDC_ISSUER": "http://127.0.0.1:9/",
                "JITSUDOD_CREDENTIALS_KEY": Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString(),
                "JITSUDOD_LOG_LEVEL": "info",
            ],
            logPath: directory.appendingPathComponent("solo.log").path
        )
        reaper.record(replica.pid)
        defer { replica.signal(SIGKILL) }
        try await waitUntil("\(replica.id) leads") { replica.log.contains("leadership acquired") }
        _ = try await http.execute(HTTPClientRequest(url: replica.baseURL + "/readyz"), timeout: .seconds(5))

        // A clean start on an empty database logs no warning (migrations before any service touches the database).
        let warnings = replica.log.split(separator: "\n").filter { $0.contains(" warning ") || $0.contains(" error ") }
        #expect(warnings.isEmpty, "start-up logged: \(warnings.joined(separator: "\n"))")

        switch fault {
        case .down:
            cluster.shutdown()
        case .frozen:
            Self.signalCluster(postmaster, SIGSTOP)
        }
        // Leader work is now blocked on the database: a pool lease without end, or queries on frozen backends.
        try await waitUntil("the replica notices the database") {
            fault == .frozen || replica.log.contains("leadership lost") || replica.log.contains("lost its connection")
        }
        let exited = await replica.terminate(grace: Self.deadline)
        #expect(exited, "jitsudod did not exit within \(Self.deadline) of SIGTERM with the database \(fault.rawValue):\n\(replica.log.suffix(3000))")
    }

    /// The postmaster's pid (first line of postmaster.pid).
    static func postmasterPID(_ cluster: PostgresCluster) throws -> pid_t {
        let text = try String(contentsOf: cluster.directory.appendingPathComponent("data/postmaster.pid"), encoding: .utf8)
        guard let pid = text.split(separator: "\n").first.flatMap({ pid_t($0) }) else { throw TestSupportError("no postmaster pid in \(text)") }
        return pid
    }

    /// Sends `signal` to the postmaster and every backend it started (its children).
    static func signalCluster(_ postmaster: pid_t, _ signal: Int32) {
        kill(postmaster, signal)
        let children = (try? String(contentsOfFile: "/proc/\(postmaster)/task/\(postmaster)/children", encoding: .utf8)) ?? ""
        for child in children.split(separator: " ").compactMap({ pid_t($0) }) { kill(child, signal) }
    }
}
