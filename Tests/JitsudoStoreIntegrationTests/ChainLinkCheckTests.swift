import Foundation
import JitsudoCore
import JitsudoStore
import JitsudoTesting
import PostgresNIO
import Testing

/// Migration 16: `audit_events` refuses, per statement, any event whose `prev_hash` is not the hash of the event one id
/// before it. That is what forbids forks now that `prev_hash` and `hash` have no unique index; each refusal here is a
/// write the sequencer never makes, written by hand as a superuser could.
@Suite struct ChainLinkCheckTests {
    @Test func aForkAGapOrAWrongLinkIsRefusedAndNothingOfItStored() async throws {
        try await withTestDatabase { test in
            let stored = try await sequencedEvents(3, in: test)
            let writes: [(name: String, event: AuditEvent, refusal: String)] = [
                ("a second successor of event 2 (a fork)", event(4, after: stored[1]), "audit event 4 does not link to event 3"),
                ("an event after a gap", event(5, after: stored[2]), "audit event 5 does not link to event 4"),
                (
                    "a prev_hash that is no event's hash", event(4, prevHash: String(repeating: "ab", count: 32)),
                    "audit event 4 does not link to event 3"
                ),
                ("a second event 1", event(1, prevHash: ""), "duplicate key value violates unique constraint \"audit_events_pkey\""),
            ]
            for write in writes {
                let error = await #expect(throws: StoreError.self, "\(write.name)") { try await insert([write.event], into: test.database) }
                #expect(
                    error?.code == .integrity && error?.context["detail"]?.contains(write.refusal) == true,
                    "\(write.name): \(String(describing: error?.context))")
            }
            #expect(try await count(test.database, "SELECT COUNT(*)::integer FROM audit_events") == 3)
            #expect(try await AuditLog(database: test.database).verify().summary == "Chain intact: 3 events verified")
        }
    }

    @Test func aStatementIsCheckedWholeAgainstItsOwnEarlierRows() async throws {
        try await withTestDatabase { test in
            let stored = try await sequencedEvents(2, in: test)
            let fourth = event(4, after: stored[1])
            var linked = [event(3, after: stored[1])]
            linked.append(event(4, after: linked[0]))
            // Event 4 of the second statement links to event 2, not to event 3 of the same statement: all of it refused.
            let error = await #expect(throws: StoreError.self) { try await insert([linked[0], fourth], into: test.database) }
            #expect(error?.context["detail"] == "audit event 4 does not link to event 3: its prev_hash must be the hash of event 3")
            #expect(try await count(test.database, "SELECT COUNT(*)::integer FROM audit_events") == 2)
            try await insert(linked, into: test.database)
            #expect(try await count(test.database, "SELECT COUNT(*)::integer FROM audit_events") == 4)
            #expect(try await AuditLog(database: test.database).verify().summary == "Chain intact: 4 events verified")
        }
    }

    /// `count` events staged and sequenced the usual way; returns them in chain order.
    private func sequencedEvents(_ count: Int, in test: TestDatabase) async throws -> [AuditEvent] {
        let log = AuditLog(database: test.database)
        for index in 0..<count { try await log.append(AuditDraft(actor: "u\(index)@example.com", action: "request.created")) }
        #expect(try await test.sequenceAudit() == count)
        return try await log.events(matching: .init(), pageSize: count).events.sorted { $0.id < $1.id }
    }

    /// Event `id`, hashed as the sequencer hashes it, after `previous`.
    private func event(_ id: Int64, after previous: AuditEvent) -> AuditEvent {
        AuditChain.link(draft(id), after: .init(lastID: id - 1, lastHash: previous.hash), at: stamp(id))
    }

    /// Event `id` with `prevHash` as its link, whatever that is.
    private func event(_ id: Int64, prevHash: String) -> AuditEvent {
        AuditChain.link(draft(id), after: .init(lastID: id - 1, lastHash: prevHash), at: stamp(id))
    }

    private static let actor = "mallory@example.com"
    private static let action = "request.created"

    private func draft(_ id: Int64) -> AuditDraft {
        AuditDraft(actor: Self.actor, action: Self.action, details: ["n": .string("\(id)")])
    }
    private func stamp(_ id: Int64) -> AuditTimestamp { AuditTimestamp(microsecondsSinceEpoch: 1_774_000_000_000_000 + id) }

    /// Inserts `events` (drafts of ``draft(_:)``: one actor and action, no request, provider or scope) into
    /// `audit_events` in one statement and moves the head to the last of them.
    private func insert(_ events: [AuditEvent], into database: Database) async throws {
        let last = try #require(events.last)
        let rows = events.map { event -> [String: Any] in
            ["id": event.id, "micros": event.timestamp.microseconds, "details": event.detailsJSON, "prev_hash": event.prevHash, "hash": event.hash]
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: rows), as: UTF8.self)
        try await database.query(
            """
            WITH inserted AS (
                INSERT INTO audit_events (id, "timestamp", actor_identity, action, outcome, details_json, prev_hash, hash)
                SELECT e.id, timestamptz 'epoch' + e.micros * interval '1 microsecond', \(Self.actor), \(Self.action), 'success',
                       e.details, e.prev_hash, e.hash
                FROM jsonb_to_recordset(\(json)::jsonb) AS e(id bigint, micros bigint, details text, prev_hash text, hash text)
                RETURNING id
            )
            UPDATE audit_chain_head SET last_id = \(last.id), last_hash = \(last.hash)
            WHERE id = 1 AND (SELECT count(*) FROM inserted) = \(events.count)
            """)
    }
}
