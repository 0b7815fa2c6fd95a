// Audit append and verify throughput against a real PostgreSQL (started by JitsudoTesting, or
// JITSUDO_TEST_DATABASE_URL). Compares chained appends with plain single-row INSERTs into a table of
// the same shape, each in its own transaction, at 1 and 8 concurrent writers; then verifies 100k events.
import Foundation
import JitsudoCore
import JitsudoStore
import JitsudoTesting
import PostgresNIO

let appendsPerRun = Int(ProcessInfo.processInfo.environment["AUDIT_BENCH_APPENDS"] ?? "") ?? 4_000
let verifyEvents = Int(ProcessInfo.processInfo.environment["AUDIT_BENCH_VERIFY_EVENTS"] ?? "") ?? 100_000

func timed<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> (T, Double) {
    let start = ContinuousClock.now
    let value = try await body()
    let elapsed = ContinuousClock.now - start
    return (value, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

func seconds(_ body: @Sendable () async throws -> Void) async throws -> Double {
    try await timed(body).1
}

func draft(_ index: Int) -> AuditDraft {
    AuditDraft(actor: "writer\(index % 8)@example.com", action: AuditAction.requestCreated, requestID: "req_01JQ0000000000000000000000",
               provider: "mock", resourceScope: "bench", details: ["n": .int(Int64(index)), "reason": "INC-4421 benchmark"])
}

func concurrently(_ writers: Int, _ total: Int, _ work: @escaping @Sendable (Int) async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for writer in 0..<writers {
            group.addTask {
                for index in stride(from: writer, to: total, by: writers) { try await work(index) }
            }
        }
        try await group.waitForAll()
    }
}

print("appends per run: \(appendsPerRun); verify events: \(verifyEvents)")
try await withTestDatabase(maximumConnections: 16) { test in
    let database = test.database
    let log = AuditLog(database: database)
    try await database.query(
        """
        CREATE TABLE plain_events (id bigserial PRIMARY KEY, "timestamp" timestamptz NOT NULL, actor_identity text NOT NULL,
            action text NOT NULL, request_id text, provider text NOT NULL, resource_scope text NOT NULL, outcome text NOT NULL,
            details_json text NOT NULL, prev_hash text NOT NULL, hash text NOT NULL)
        """
    )
    for writers in [1, 8] {
        let chained = try await seconds {
            try await concurrently(writers, appendsPerRun) { index in try await log.append(draft(index)) }
        }
        let plain = try await seconds {
            try await concurrently(writers, appendsPerRun) { index in
                let event = draft(index)
                try await database.query(
                    """
                    INSERT INTO plain_events ("timestamp", actor_identity, action, request_id, provider, resource_scope, outcome,
                                              details_json, prev_hash, hash)
                    VALUES (clock_timestamp(), \(event.actorIdentity), \(event.action), \(event.requestID), \(event.provider),
                            \(event.resourceScope), \(event.outcome.rawValue), \(event.detailsJSON), '', '')
                    """
                )
            }
        }
        let chainedRate = Double(appendsPerRun) / chained
        let plainRate = Double(appendsPerRun) / plain
        print(String(format: "writers=%d chained=%.0f appends/s plain=%.0f inserts/s ratio(chained/plain)=%.2f", writers, chainedRate, plainRate,
                     chainedRate / plainRate))
    }
    // Build a valid chain of `verifyEvents` events in bulk (chunks of 2,000 rows via unnest), continuing the head.
    let head = try await log.verify()
    var chainHead = AuditChain.Head(lastID: head.lastEventID, lastHash: "")
    for try await (lastID, lastHash) in try await database.query("SELECT last_id, last_hash FROM audit_chain_head").decode((Int64, String).self) {
        chainHead = AuditChain.Head(lastID: lastID, lastHash: lastHash)
    }
    let toAdd = max(0, verifyEvents - Int(chainHead.lastID))
    var added = 0
    while added < toAdd {
        let chunk = min(2_000, toAdd - added)
        var events: [AuditEvent] = []
        for offset in 0..<chunk {
            let event = AuditChain.link(draft(added + offset), after: chainHead,
                                        at: AuditTimestamp(microsecondsSinceEpoch: 1_774_000_000_000_000 + Int64(added + offset)))
            chainHead = AuditChain.Head(lastID: event.id, lastHash: event.hash)
            events.append(event)
        }
        try await database.query(
            """
            WITH rows AS (
                SELECT * FROM unnest(\(events.map(\.id))::bigint[], \(events.map(\.timestamp.microseconds))::bigint[],
                    \(events.map(\.actorIdentity))::text[], \(events.map(\.action))::text[], \(events.map { $0.requestID ?? "" })::text[],
                    \(events.map(\.provider))::text[], \(events.map(\.resourceScope))::text[], \(events.map(\.outcome.rawValue))::text[],
                    \(events.map(\.detailsJSON))::text[], \(events.map(\.prevHash))::text[], \(events.map(\.hash))::text[])
                    AS t(id, micros, actor, action, request_id, provider, scope, outcome, details, prev_hash, hash)
            ), inserted AS (
                INSERT INTO audit_events (id, "timestamp", actor_identity, action, request_id, provider, resource_scope, outcome,
                                          details_json, prev_hash, hash)
                SELECT id, timestamptz 'epoch' + micros * interval '1 microsecond', actor, action, request_id, provider, scope,
                       outcome, details, prev_hash, hash FROM rows
                RETURNING id
            )
            UPDATE audit_chain_head SET last_id = \(chainHead.lastID), last_hash = \(chainHead.lastHash)
            WHERE id = 1 AND (SELECT count(*) FROM inserted) = \(chunk)
            """
        )
        added += chunk
    }
    let (result, verifySeconds) = try await timed { try await log.verify() }
    guard result.intact else { fatalError("verification failed: \(result.summary)") }
    print(String(format: "verify: %lld events in %.2f s = %.0f events/s (%@)", result.eventsVerified, verifySeconds,
                 Double(result.eventsVerified) / verifySeconds, result.summary))
}
