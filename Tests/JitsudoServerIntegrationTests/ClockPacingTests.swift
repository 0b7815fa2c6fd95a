import Foundation
import JitsudoStore
import JitsudoTesting
import PostgresNIO
import Testing

/// The leader's heartbeat and the replica report run when the server's clock says, not on their own timers.
@Suite struct ClockPacingTests {
    @Test func theLeadersHeartbeatAndTheReplicaReportAreWrittenWhenTheClockMoves() async throws {
        let clock = ManualClock()
        try await withServer(clock: clock) { server in
            func stamps() async throws -> (heartbeat: Int64, report: Int64) {
                let rows = try await server.database.query(
                    """
                    SELECT (SELECT (extract(epoch from heartbeat_at) * 1000000)::bigint FROM leadership WHERE id = 1),
                           (SELECT (extract(epoch from max(seen_at)) * 1000000)::bigint FROM replicas)
                    """)
                for try await (heartbeat, report) in rows.decode((Int64?, Int64?).self) { return (heartbeat ?? 0, report ?? 0) }
                return (0, 0)
            }
            // Leading, and every paced loop (heartbeat and report among them) asleep on the clock.
            try await clock.waitUntilSleeping(pacedLoopsOfALeader)
            let before = try await stamps()
            #expect(before.heartbeat > 0 && before.report > 0)
            // One heartbeat interval (and report interval) later on the clock, each has written again.
            try await clock.advanceAndSettle(by: .seconds(1), loops: pacedLoopsOfALeader)
            let after = try await stamps()
            #expect(after.heartbeat > before.heartbeat)
            #expect(after.report > before.report)
        }
    }
}
