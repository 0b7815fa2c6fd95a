public import JitsudoCore
public import Logging
public import PostgresNIO
import Metrics

/// The append-only, hash-chained audit log (`audit.md`).
///
/// Appends happen inside the caller's transaction: the row lock on `audit_chain_head` serialises
/// appenders across replicas, so concurrent writers never fail and never fork the chain.
public struct AuditLog: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Appends `draft` inside the transaction of `connection` and returns the stored event.
    ///
    /// Call it as the last statement before commit: the chain head stays locked until the transaction ends.
    @discardableResult
    public static func append(_ draft: AuditDraft, on connection: PostgresConnection, logger: Logger) async throws -> AuditEvent {
        let draft = draft.stamped(httpRequestID: HTTPRequestScope.requestID)
        let headRows = try await connection.query(
            """
            SELECT last_id, last_hash, \(unescaped: SQL.micros("clock_timestamp()"))
            FROM audit_chain_head WHERE id = 1 FOR UPDATE
            """,
            logger: logger
        )
        var head: (Int64, String, Int64)?
        for try await row in headRows.decode((Int64, String, Int64).self) { head = row }
        guard let (lastID, lastHash, now) = head else {
            throw StoreError(.integrity, "audit_chain_head has no row; the schema is incomplete — run 'jitsudod migrate'")
        }
        let event = AuditChain.link(
            draft, after: AuditChain.Head(lastID: lastID, lastHash: lastHash), at: AuditTimestamp(microsecondsSinceEpoch: now)
        )
        try await connection.query(
            """
            WITH inserted AS (
                INSERT INTO audit_events (id, "timestamp", actor_identity, action, request_id, provider, resource_scope,
                                          outcome, details_json, prev_hash, hash)
                VALUES (\(event.id), timestamptz 'epoch' + (\(event.timestamp.microseconds) * interval '1 microsecond'),
                        \(event.actorIdentity), \(event.action), \(event.requestID), \(event.provider),
                        \(event.resourceScope), \(event.outcome.rawValue), \(event.detailsJSON), \(event.prevHash), \(event.hash))
                RETURNING id, hash
            )
            UPDATE audit_chain_head SET last_id = inserted.id, last_hash = inserted.hash, updated_at = now()
            FROM inserted WHERE audit_chain_head.id = 1
            """,
            logger: logger
        )
        // Counted when written; a transaction that later rolls back still counts (it is an attempt).
        Counter(label: "jitsudo_audit_appends_total", dimensions: [("outcome", draft.outcome.rawValue)]).increment()
        return event
    }

    /// Appends `draft` in a transaction of its own (for refusals, which change nothing else).
    @discardableResult
    public func append(_ draft: AuditDraft) async throws -> AuditEvent {
        try await database.transaction { connection in
            try await Self.append(draft, on: connection, logger: database.logger)
        }
    }

    /// Filters of an audit query; nil means "any".
    public struct Filter: Sendable, Hashable {
        public var actorIdentity: String?
        public var provider: String?
        public var requestID: String?
        public var action: String?
        public var since: AuditTimestamp?
        public var until: AuditTimestamp?

        public init(
            actorIdentity: String? = nil,
            provider: String? = nil,
            requestID: String? = nil,
            action: String? = nil,
            since: AuditTimestamp? = nil,
            until: AuditTimestamp? = nil
        ) {
            self.actorIdentity = actorIdentity
            self.provider = provider
            self.requestID = requestID
            self.action = action
            self.since = since
            self.until = until
        }

        var fingerprint: String {
            [actorIdentity, provider, requestID, action, since.map { "\($0.microseconds)" }, until.map { "\($0.microseconds)" }]
                .map { $0 ?? "\u{0}" }.joined(separator: "\u{1}")
        }
    }

    /// One page of events, oldest first, and the token of the next page ("" on the last).
    public func events(matching filter: Filter, pageSize: Int, pageToken: String = "") async throws -> (events: [AuditEvent], nextPageToken: String) {
        let limit = min(max(pageSize, 1), 1000)
        let afterID = try PageToken.decode(pageToken, fingerprint: filter.fingerprint).flatMap { Int64($0) } ?? 0
        let rows = try await database.query(
            """
            SELECT \(unescaped: Self.columns) FROM audit_events
            WHERE id > \(afterID)
              AND (\(filter.actorIdentity)::text IS NULL OR actor_identity = \(filter.actorIdentity))
              AND (\(filter.provider)::text IS NULL OR provider = \(filter.provider))
              AND (\(filter.requestID)::text IS NULL OR request_id = \(filter.requestID))
              AND (\(filter.action)::text IS NULL OR action = \(filter.action))
              AND (\(filter.since?.microseconds)::bigint IS NULL
                   OR "timestamp" >= timestamptz 'epoch' + (\(filter.since?.microseconds) * interval '1 microsecond'))
              AND (\(filter.until?.microseconds)::bigint IS NULL
                   OR "timestamp" <= timestamptz 'epoch' + (\(filter.until?.microseconds) * interval '1 microsecond'))
            ORDER BY id ASC
            LIMIT \(limit + 1)
            """
        )
        var events: [AuditEvent] = []
        for try await row in rows { events.append(try Self.decode(row)) }
        var next = ""
        if events.count > limit {
            events.removeLast()
            next = PageToken.encode(String(events[events.count - 1].id), fingerprint: filter.fingerprint)
        }
        return (events, next)
    }

    /// Verifies the whole chain (`audit.md` §4) in one repeatable-read snapshot, streaming rows so memory
    /// stays constant. `progress` is called with the number of events checked every `progressEvery` events.
    public func verify(
        progressEvery: Int64 = 10_000,
        progress: @Sendable (Int64) -> Void = { _ in }
    ) async throws -> VerificationResult {
        try await database.transaction(.repeatableReadReadOnly) { connection in
            let headRows = try await connection.query(
                "SELECT last_id, last_hash FROM audit_chain_head WHERE id = 1", logger: database.logger
            )
            var head = AuditChain.Head.genesis
            for try await (lastID, lastHash) in headRows.decode((Int64, String).self) {
                head = AuditChain.Head(lastID: lastID, lastHash: lastHash)
            }
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM audit_events ORDER BY id ASC", logger: database.logger
            )
            var verifier = AuditChain.Verifier()
            for try await row in rows {
                let event = try Self.decode(row)
                if let broken = verifier.consume(event) { return broken }
                if verifier.verifiedCount % progressEvery == 0 { progress(verifier.verifiedCount) }
            }
            return verifier.finish(head: head)
        }
    }

    static let columns = """
        id, \(SQL.micros("\"timestamp\"")), actor_identity, action, request_id, provider, resource_scope, outcome,
        details_json, prev_hash, hash
        """

    static func decode(_ row: PostgresRow) throws -> AuditEvent {
        let (id, micros, actor, action, requestID, provider, scope, outcome, details, prevHash, hash) = try row.decode(
            (Int64, Int64, String, String, String?, String, String, String, String, String, String).self
        )
        guard let outcomeValue = AuditOutcome(rawValue: outcome) else {
            throw StoreError(.integrity, "audit event \(id) has unknown outcome '\(outcome)'")
        }
        return AuditEvent(
            id: id, timestamp: AuditTimestamp(microsecondsSinceEpoch: micros), actorIdentity: actor, action: action,
            requestID: requestID, provider: provider, resourceScope: scope, outcome: outcomeValue, detailsJSON: details,
            prevHash: prevHash, hash: hash
        )
    }
}
