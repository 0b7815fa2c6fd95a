import Foundation
import JitsudoPolicy
@testable import JitsudoServer
import JitsudoStore
import Logging
import PostgresNIO
import Synchronization
import Testing

/// A background reload that cannot read the `policies` table keeps the last good set and says so in the log.
@Suite struct PolicyReloadFailureTests {
    @Test func aReloadThatCannotReadThePoliciesKeepsTheLastGoodSetAndLogsIt() async throws {
        try await withServer(policies: TestPolicies.standard) { server in
            let records = RecordedLogs()
            let logger = Logger(label: "policy-reload-test") { _ in RecordingLogHandler(records: records) }
            let engine = PolicyEngine()
            let service = PolicyService(
                repository: PolicyRepository(database: server.database), engine: engine,
                changes: ChangeFeed(url: server.url, channels: [], connectionID: 0, logger: logger), syncInterval: .seconds(3600),
                logger: logger)
            await service.reloadKeepingTheLastGoodSet()
            let loaded = engine.policiesLoaded
            #expect(loaded > 0 && records.messages.isEmpty, "\(records.messages)")

            _ = try await server.database.query("ALTER TABLE policies RENAME TO policies_hidden").collect()
            await service.reloadKeepingTheLastGoodSet()
            _ = try await server.database.query("ALTER TABLE policies_hidden RENAME TO policies").collect()

            #expect(engine.policiesLoaded == loaded)
            #expect(records.messages == ["policy reload could not read the policies; keeping the last good set"])
        }
    }
}

/// The messages a ``RecordingLogHandler`` was given.
final class RecordedLogs: Sendable {
    private let recorded = Mutex<[String]>([])
    var messages: [String] { recorded.withLock { $0 } }
    func append(_ message: String) { recorded.withLock { $0.append(message) } }
    func count(of message: String) -> Int { recorded.withLock { all in all.count { $0 == message } } }
}

/// Records the message of every event at `threshold` or above (warning unless told).
struct RecordingLogHandler: LogHandler {
    let records: RecordedLogs
    var threshold: Logger.Level = .warning
    var logLevel: Logger.Level = .debug
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        if event.level >= threshold { records.append("\(event.message)") }
    }
}
