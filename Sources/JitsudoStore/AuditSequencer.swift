import JitsudoCore
public import PostgresNIO

/// Links staged audit events into the hash chain, a batch per transaction: the leader's sequencing
/// (`docs/decisions.md`, "The audit chain is sequenced by the leader").
///
/// A change records its events in `audit_pending` in its own transaction (``AuditLog/append(_:on:logger:)``), so a
/// committed change always has its events durably stored. A batch, in one transaction: re-check the leader's epoch
/// (fencing), lock the chain head, read the oldest staged events in staging order, link each after the head as
/// `audit.md` §2 says (its timestamp is the moment it was staged), then insert them, delete exactly those staged rows
/// and move the head in one statement that refuses unless every count and the head it started from agree. Either all
/// of a batch happens or none of it: a sequencer that dies anywhere leaves the events staged for the next batch, and
/// the head lock keeps two sequencers (an old leader not yet fenced out) from ever linking one event twice.
public struct AuditSequencer: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Events linked per transaction at most.
    public static let defaultBatchSize = 1000

    /// Links up to `limit` of the oldest staged events, as leader `epoch` (nil: unfenced, for tools and tests that own
    /// the database). Returns how many it linked (0 when nothing is staged). `beforeCommit` runs after the batch's
    /// writes, before its commit (tests crash a batch there).
    public func sequenceBatch(
        limit: Int = defaultBatchSize,
        fence epoch: Int64?,
        beforeCommit: (PostgresConnection) async throws -> Void = { _ in }
    ) async throws -> Int {
        try await database.transaction { connection in
            let logger = database.logger
            if let epoch { try await Leadership.fence(epoch, on: connection, logger: logger) }
            var head: AuditChain.Head?
            for try await (lastID, lastHash) in try await connection.query(
                "SELECT last_id, last_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE", logger: logger
            ).decode((Int64, String).self) {
                head = AuditChain.Head(lastID: lastID, lastHash: lastHash)
            }
            guard let start = head else { throw StoreError(.integrity, "audit_chain_head has no row; run 'jitsudod migrate'") }
            let staged = try await connection.query(
                """
                SELECT seq, \(unescaped: SQL.micros("staged_at")), actor_identity, action, request_id, provider, resource_scope,
                       outcome, details_json
                FROM audit_pending ORDER BY seq LIMIT \(max(limit, 1))
                """,
                logger: logger)
            var batch = SequencedBatch(after: start)
            for try await row in staged.decode((Int64, Int64, String, String, String?, String, String, String, String).self) {
                try batch.link(row)
            }
            guard !batch.events.isEmpty else { return 0 }
            let events = batch.events
            let moved = try await connection.query(
                """
                WITH moved AS (
                    DELETE FROM audit_pending WHERE seq = ANY (\(batch.stagedSequence)::bigint[]) RETURNING seq
                ), linked AS (
                    INSERT INTO audit_events (id, "timestamp", actor_identity, action, request_id, provider, resource_scope, outcome,
                                              details_json, prev_hash, hash)
                    SELECT id, timestamptz 'epoch' + micros * interval '1 microsecond', actor, action, NULLIF(request_id, ''),
                           provider, scope, outcome, details, prev_hash, hash
                    FROM unnest(\(events.map(\.id))::bigint[], \(events.map(\.timestamp.microseconds))::bigint[],
                                \(events.map(\.actorIdentity))::text[], \(events.map(\.action))::text[],
                                \(events.map { $0.requestID ?? "" })::text[], \(events.map(\.provider))::text[],
                                \(events.map(\.resourceScope))::text[], \(events.map(\.outcome.rawValue))::text[],
                                \(events.map(\.detailsJSON))::text[], \(events.map(\.prevHash))::text[], \(events.map(\.hash))::text[])
                         AS t(id, micros, actor, action, request_id, provider, scope, outcome, details, prev_hash, hash)
                    RETURNING id
                )
                UPDATE audit_chain_head SET last_id = \(batch.head.lastID), last_hash = \(batch.head.lastHash), updated_at = now()
                WHERE id = 1 AND last_id = \(start.lastID)
                  AND (SELECT count(*) FROM moved) = \(events.count) AND (SELECT count(*) FROM linked) = \(events.count)
                RETURNING last_id
                """,
                logger: logger)
            var movedHead = false
            for try await _ in moved { movedHead = true }
            guard movedHead else {
                // The statement's inserts and deletes roll back with this transaction.
                throw StoreError(.integrity, "audit sequencing refused: staged events or the chain head changed under the batch; nothing was linked")
            }
            try await beforeCommit(connection)
            return events.count
        }
    }

    /// Links every staged event (batches until none is left) as `epoch`; returns how many it linked.
    @discardableResult
    public func sequenceAll(fence epoch: Int64?, batchSize: Int = defaultBatchSize) async throws -> Int {
        var total = 0
        while true {
            let linked = try await sequenceBatch(limit: batchSize, fence: epoch)
            total += linked
            if linked < batchSize { return total }
        }
    }

    /// How long the oldest staged event has waited for its chain position (by the database's clock), nil when none is
    /// staged. One index probe: the oldest in staging order.
    public func oldestStagedAge() async throws -> Double? {
        let rows = try await database.query(
            "SELECT extract(epoch FROM clock_timestamp() - staged_at)::float8 FROM audit_pending ORDER BY seq LIMIT 1")
        for try await age in rows.decode(Double.self) { return max(age, 0) }
        return nil
    }
}
