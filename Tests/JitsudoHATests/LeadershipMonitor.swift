import Foundation
import JitsudoStore
import JitsudoTesting
import PostgresNIO
import Synchronization

/// Watches the `leadership` row every 20 ms from the test process and remembers when each epoch first appeared
/// (on the test's monotonic clock, and as wall-clock microseconds comparable with PostgreSQL timestamps).
final class LeadershipMonitor: Sendable {
    struct Observation: Sendable {
        var epoch: Int64
        var holder: String
        var seen: ContinuousClock.Instant
        var wall: Int64
    }

    let database: Database
    private let observations = Mutex<[Observation]>([])

    init(database: Database) {
        self.database = database
    }

    var current: Observation? { observations.withLock { $0.last } }

    /// Polls until cancelled. Each poll gets at most 1 s: a query on a connection that died with the PostgreSQL
    /// restart can hang without noticing cancellation, so a slow poll is abandoned (cancelled, not awaited) and the
    /// next one starts on another connection.
    func run() async {
        while !Task.isCancelled {
            let done = Flag()
            let poll = Task {
                await self.poll()
                done.set()
            }
            let deadline = ContinuousClock.now + .seconds(1)
            while !done.isSet, ContinuousClock.now < deadline, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
            if !done.isSet { poll.cancel() }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    private func poll() async {
        guard let rows = try? await database.query("SELECT epoch, holder FROM leadership WHERE id = 1 AND holder <> ''") else { return }
        do {
            for try await (epoch, holder) in rows.decode((Int64, String).self) {
                let now = ContinuousClock.now
                let wall = wallMicros()
                observations.withLock { list in
                    if list.last?.epoch != epoch { list.append(Observation(epoch: epoch, holder: holder, seen: now, wall: wall)) }
                }
            }
        } catch {}
    }

    private final class Flag: Sendable {
        private let value = Mutex(false)
        var isSet: Bool { value.withLock { $0 } }
        func set() { value.withLock { $0 = true } }
    }

    /// The first observation of an epoch newer than `epoch`, waiting at most `limit`.
    func waitForEpoch(after epoch: Int64, limit: Duration) async throws -> Observation {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let next = observations.withLock({ $0.first { $0.epoch > epoch } }) { return next }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestSupportError("no new leader within \(limit) after epoch \(epoch)")
    }
}

/// The leadership lines of one replica's log (`leadership acquired`, `leadership lost`, `following leader`).
struct LeadershipLog {
    var acquired: Set<Int64> = []
    var lost: Set<Int64> = []
    var followed: Set<Int64> = []
    var epochs: Set<Int64> { acquired.union(lost).union(followed) }

    init(_ text: String) {
        for line in text.split(separator: "\n") {
            guard let range = line.range(of: "leader.epoch=") else { continue }
            let digits = line[range.upperBound...].prefix { $0.isNumber }
            guard let epoch = Int64(digits) else { continue }
            if line.contains("leadership acquired") { acquired.insert(epoch) }
            if line.contains("leadership lost") { lost.insert(epoch) }
            if line.contains("following leader") { followed.insert(epoch) }
        }
    }
}
