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
            #expect(loaded > 0 && records.warnings.isEmpty, "\(records.warnings)")

            _ = try await server.database.query("ALTER TABLE policies RENAME TO policies_hidden").collect()
            await service.reloadKeepingTheLastGoodSet()
            _ = try await server.database.query("ALTER TABLE policies_hidden RENAME TO policies").collect()

            #expect(engine.policiesLoaded == loaded)
            #expect(records.warnings == ["policy reload could not read the policies; keeping the last good set"])
        }
    }
}

/// The messages logged at warning and above.
final class RecordedLogs: Sendable {
    private let messages = Mutex<[String]>([])
    var warnings: [String] { messages.withLock { $0 } }
    func append(_ message: String) { messages.withLock { $0.append(message) } }
}

struct RecordingLogHandler: LogHandler {
    let records: RecordedLogs
    var logLevel: Logger.Level = .debug
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        if event.level >= .warning { records.append("\(event.message)") }
    }
}
