import JitsudoServer
import JitsudoStore
import JitsudoTesting
import LocalPostgres
import Logging
import PostgresNIO
import Synchronization
import Testing

/// A replica's database connections (``ServerConfiguration/Database/connections(for:applicationName:logger:)``) through
/// an outage long enough that their reconnects fail. A replica of the HA chaos test once stopped there: PostgresNIO's
/// pool, kept at a minimum, came back below it and trapped at the next lease that found no connection idle.
@Suite struct DatabaseOutageRecoveryTests {
    static let connectFailed = "Connection creation failed"

    @Test(.timeLimit(.minutes(2)))
    func everyQueryIsAnsweredAfterAnOutageThatFailedTheReconnects() async throws {
        let cluster = try await blocking { try PostgresCluster.start() }
        defer { cluster.stop() }
        let url = try DatabaseURL(cluster.url())
        var settings = ServerConfiguration.Database()
        settings.maxConnections = 4
        let records = RecordedLogs()
        let logger = Logger(label: "pool-outage-test") { _ in RecordingLogHandler(records: records, threshold: .info) }
        let client = settings.connections(for: url, applicationName: "pool-outage-test", logger: logger)
        let (started, starting) = AsyncStream<Void>.makeStream()
        let running = Task { await client.run { starting.finish() } }
        defer { running.cancel() }
        for await _ in started {}

        // Every connection in use at once: all four are open when PostgreSQL stops.
        #expect(try await Self.sleepAtOnce(4, seconds: 0.05, on: client, logger: logger) == 4)

        // PostgreSQL stops. Eight workers keep querying, one query after another; their queries wait through the
        // outage while the connects fail.
        try await blocking { cluster.shutdown() }
        let failedBefore = records.count(of: Self.connectFailed)
        let tally = QueryTally(workers: 8)
        let workers = Task {
            await withDiscardingTaskGroup { group in
                for worker in 0..<8 {
                    group.addTask {
                        while !tally.stopped {
                            do {
                                for try await _ in try await client.query("SELECT 1", logger: logger) {}
                                tally.answered(by: worker)
                            } catch {
                                tally.failed(error)
                            }
                        }
                    }
                }
            }
        }
        try await waitUntil("the connects failed twice", timeout: .seconds(30)) {
            records.count(of: Self.connectFailed) >= failedBefore + 2
        }

        // PostgreSQL is back on the same port and data; the connections come back by themselves (their backoff) while
        // every worker's next query arrives the moment its last one is answered.
        _ = try await blocking { try PostgresCluster.start(in: cluster.directory, port: cluster.port) }
        try await waitUntil("every worker had 50 answers", timeout: .seconds(60)) { tally.fewestAnswers >= 50 }
        tally.stop()
        await workers.value
        #expect(tally.failures.isEmpty, "\(tally.failures)")
        #expect(try await Self.sleepAtOnce(8, seconds: 0.05, on: client, logger: logger) == 8)
    }

    /// Runs `count` queries at once that each hold a connection for `seconds`; returns how many answered.
    static func sleepAtOnce(_ count: Int, seconds: Double, on client: DatabaseConnections, logger: Logger) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<count {
                group.addTask {
                    var answered = 0
                    for try await _ in try await client.query("SELECT pg_sleep(\(seconds))", logger: logger) { answered = 1 }
                    return answered
                }
            }
            return try await group.reduce(0, +)
        }
    }
}

/// What ``DatabaseOutageRecoveryTests``' workers got.
final class QueryTally: Sendable {
    private let state: Mutex<(answers: [Int], failures: [String], stopped: Bool)>

    init(workers: Int) {
        state = Mutex((Array(repeating: 0, count: workers), [], false))
    }

    var stopped: Bool { state.withLock { $0.stopped } }
    var fewestAnswers: Int { state.withLock { $0.answers.min() ?? 0 } }
    var failures: [String] { state.withLock { $0.failures } }
    func stop() { state.withLock { $0.stopped = true } }
    func answered(by worker: Int) { state.withLock { $0.answers[worker] += 1 } }
    func failed(_ error: any Error) { state.withLock { $0.failures.append(Database.describe(error)) } }
}
