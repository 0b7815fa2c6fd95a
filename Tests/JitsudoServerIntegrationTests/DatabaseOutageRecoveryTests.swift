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

        // All four connections are open (at start) when PostgreSQL stops.
        _ = try await withClient(url, maximumConnections: 1) { admin in
            try await waitUntil("four connections are open") { try await Self.open(on: admin) == 4 }
        }

        // PostgreSQL stops. Eight workers keep querying, one query after another, through the outage while the
        // connects fail.
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
                                // A query may fail while PostgreSQL is down (a replica answers 503 then); the worker
                                // tries again, after letting the other tasks run.
                                tally.failed(error)
                                await Task.yield()
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
        let answered = try await elapsedUntil(timeout: .seconds(60)) { tally.fewestAnswers >= 50 }
        #expect(answered != nil, "not every worker had 50 answers within 60 s of the restart: \(tally.summary)")
        tally.stop()
        await workers.value
        print("DatabaseOutageRecoveryTests: \(tally.summary)")
        #expect(try await Self.answersAtOnce(8, on: client, logger: logger) == 8)
    }

    /// The test's connections open on the cluster.
    static func open(on admin: Database) async throws -> Int {
        var open = 0
        for try await count in try await admin.query(
            "SELECT count(*)::int FROM pg_stat_activity WHERE application_name = 'pool-outage-test'"
        ).decode(Int.self) { open = count }
        return open
    }

    /// Runs `count` queries at once; returns how many answered.
    static func answersAtOnce(_ count: Int, on client: DatabaseConnections, logger: Logger) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<count {
                group.addTask {
                    var answered = 0
                    for try await _ in try await client.query("SELECT 1", logger: logger) { answered = 1 }
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
    func stop() { state.withLock { $0.stopped = true } }
    func answered(by worker: Int) { state.withLock { $0.answers[worker] += 1 } }
    func failed(_ error: any Error) { state.withLock { $0.failures.append(Database.describe(error)) } }
    /// Answers per worker, and the first and last failures.
    var summary: String {
        state.withLock { "answers \($0.answers); \($0.failures.count) failures, first \($0.failures.prefix(3)), last \($0.failures.suffix(2))" }
    }
}
