import JitsudoCore
import JitsudoStore
import JitsudoTesting
import PostgresNIO
import Testing

/// `NOTIFY jitsudo_grants` (migration 12) comes exactly for the changes that can bring the leader's next due moment
/// forward, and says that moment. Notifications arrive in commit order, so a final marker proves that nothing else was
/// sent before it.
@Suite struct ScheduleNotifyTests {
    @Test func onlyChangesThatCanBringADueMomentForwardNotify() async throws {
        try await withTestDatabase { test in
            let repository = RequestRepository(database: test.database)
            let connection = try await PostgresConnection.connect(
                configuration: .init(
                    host: test.url.host, port: test.url.port, username: test.url.username, password: nil,
                    database: test.url.database, tls: .disable),
                id: 1, logger: test.database.logger
            )
            let update = { (id: RequestID, set: String) async throws -> Void in
                try await test.database.query(PostgresQueryText("UPDATE requests SET \(set) WHERE id = '\(id.rawValue)'").query)
            }
            var approved = newRequest().0
            approved.state = .approved
            let pending = newRequest().0
            let granted = newRequest().0
            let received = try await connection.listen(on: "jitsudo_grants") { notifications in
                _ = try await repository.create(approved, audit: [])  // inserted APPROVED: no due moment
                _ = try await repository.create(pending, audit: [])  // its pending TTL
                try await update(pending.id, "state = 'REJECTED'")  // takes a due moment away
                _ = try await repository.create(granted, audit: [])  // its pending TTL
                try await update(granted.id, "state = 'APPROVED'")  // takes it away
                try await update(granted.id, "state = 'ACTIVE', issued_at = now(), expires_at = '2030-01-01 00:00:00.123456+00'")
                try await update(granted.id, "reason = 'INC-2'")  // the schedule is unchanged
                try await update(granted.id, "expires_at = '2030-01-01 01:00:00.654321+00'")  // extended
                try await update(granted.id, "state = 'REVOKED'")  // its revocation is due at once
                try await test.database.query(PostgresQueryText("SELECT pg_notify('jitsudo_grants', 'end')").query)
                var payloads: [String] = []
                for try await notification in notifications {
                    payloads.append(notification.payload)
                    if notification.payload == "end" { break }
                }
                return payloads
            }
            try await connection.close()
            #expect(
                received == [
                    "pending \(pending.createdAt.microseconds)", "pending \(granted.createdAt.microseconds)", "expires 1893456000123456",
                    "expires 1893459600654321", "ended \(granted.id.rawValue)", "end",
                ])
            #expect(
                received.map(ScheduleNotification.init(payload:)) == [
                    .pendingSince(pending.createdAt), .pendingSince(granted.createdAt),
                    .expires(AuditTimestamp(microsecondsSinceEpoch: 1_893_456_000_123_456)),
                    .expires(AuditTimestamp(microsecondsSinceEpoch: 1_893_459_600_654_321)), .lookAgain, .lookAgain,
                ])
        }
    }
}
