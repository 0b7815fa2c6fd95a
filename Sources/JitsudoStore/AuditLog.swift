public import JitsudoCore
public import Logging
public import PostgresNIO
import Metrics

/// The append-only, hash-chained audit log (`audit.md`).
///
/// Appends happen inside the caller's transaction and take no lock: the event is staged in `audit_pending`, durably,
/// with the change it records (write-ahead: a transaction that rolls back leaves no event, one that commits has its
/// events stored). The leader links staged events into the chain in batches (``AuditSequencer``, migration 11), so
/// concurrent writers never wait for one another. Reads are read-your-writes: ``events(matching:pageSize:pageToken:)``
/// first waits until every event staged before it is in the chain (``awaitSequenced(within:)``).
public struct AuditLog: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Stages `drafts`, in order, inside the transaction of `connection` (one statement, no lock); they are stored
    /// when that transaction commits, vanish with it if it rolls back, and are linked into the chain by the leader.
    public static func append(_ drafts: [AuditDraft], on connection: PostgresConnection, logger: Logger) async throws {
        guard !drafts.isEmpty else { return }
        _ = try await connection.execute(PendingInsert(rows: AuditRows(drafts)), logger: logger)
        countAppends(drafts)
    }

    /// Stages `draft` inside the transaction of `connection`.
    public static func append(_ draft: AuditDraft, on connection: PostgresConnection, logger: Logger) async throws {
        try await append([draft], on: connection, logger: logger)
    }

    /// Stages `draft` on its own (for refusals, which change nothing else): the event is stored when this returns, or
    /// this throws. Its own transaction with an explicit `COMMIT`, so that a failure at commit is reported too.
    public func append(_ draft: AuditDraft) async throws {
        try await database.transaction { connection in try await Self.append(draft, on: connection, logger: database.logger) }
    }

    /// Waits until every event staged before this call is in the chain: the read-your-writes of audit reads. It asks
    /// the leader to sequence at once (`NOTIFY jitsudo_audit_staged`) and looks again at growing intervals (2 ms to
    /// 50 ms). Throws `unavailable` when `timeout` passes first (no leader is sequencing): an audit read that might
    /// miss the caller's own events is refused rather than answered.
    public func awaitSequenced(within timeout: Duration = .seconds(10)) async throws {
        var watermark: Int64?
        for try await value in try await database.query("SELECT max(seq) FROM audit_pending").decode(Int64?.self) { watermark = value }
        guard let watermark else { return }
        for try await _ in try await database.query("SELECT pg_notify('jitsudo_audit_staged', '')") {}
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var pause = Duration.milliseconds(2)
        while true {
            var waiting = false
            for try await staged in try await database.query(
                "SELECT EXISTS (SELECT 1 FROM audit_pending WHERE seq <= \(watermark))"
            ).decode(Bool.self) { waiting = staged }
            guard waiting else { return }
            guard clock.now < deadline else {
                var count: Int64 = 0
                for try await value in try await database.query(
                    "SELECT count(*) FROM audit_pending WHERE seq <= \(watermark)"
                ).decode(Int64.self) { count = value }
                throw StoreError(
                    .unavailable,
                    "\(count) audit events are not yet in the chain after \(timeout): no leader is sequencing them "
                        + "(see 'jitsudo server status' and jitsudo_audit_unsequenced_oldest_seconds)",
                    context: ["unsequenced": "\(count)"])
            }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(50))
        }
    }

    /// The one statement that stages drafts in `audit_pending` (prepared once per connection). A plain `INSERT`, which
    /// returns no rows: PostgresNIO answers a statement without rows (`Row == ()`) once the server has completed it,
    /// error included, but one that returns a row (the `WITH … SELECT` this was) as soon as its row description
    /// arrives — an error after that, such as a refused row, was dropped, and the transaction's `COMMIT` then rolled
    /// back without a word (`anEventAppendedOnItsOwnThatCannotBeStagedIsAnError`).
    struct PendingInsert: PostgresPreparedStatement {
        typealias Row = ()
        static let name = "jitsudo_audit_pending_insert_v2"
        static let sql = AuditRows.insert(firstParameter: 1)
        static let bindingDataTypes = AuditRows.dataTypes

        let rows: AuditRows

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 7)
            rows.bind(to: &bindings)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws {}
    }

    /// Counted when recorded; a transaction that later rolls back still counts (it is an attempt).
    static func countAppends(_ drafts: [AuditDraft]) {
        for draft in drafts {
            Counter(label: "jitsudo_audit_appends_total", dimensions: [("outcome", draft.outcome.rawValue)]).increment()
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
        try await awaitSequenced()
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

    /// Verifies the whole chain (`audit.md` §4) in one repeatable-read snapshot, streaming rows so memory stays
    /// constant, and counts the events staged but not yet sequenced in that snapshot. `progress` is called with the
    /// number of events checked every `progressEvery` events.
    public func verify(
        progressEvery: Int64 = 10_000,
        progress: @escaping @Sendable (Int64) -> Void = { _ in }
    ) async throws -> VerificationResult {
        try await database.transaction(.repeatableReadReadOnly) { connection in
            let headRows = try await connection.query(
                "SELECT last_id, last_hash FROM audit_chain_head WHERE id = 1", logger: database.logger
            )
            var head = AuditChain.Head.genesis
            for try await (lastID, lastHash) in headRows.decode((Int64, String).self) {
                head = AuditChain.Head(lastID: lastID, lastHash: lastHash)
            }
            var unsequenced: Int64 = 0
            for try await count in try await connection.query("SELECT count(*) FROM audit_pending", logger: database.logger).decode(Int64.self) {
                unsequenced = count
            }
            // Each event is checked from its bytes (no strings) as it arrives, on the connection's event loop: the
            // callback form of `query` hands the rows over without a hop per row, and the next read from the socket
            // waits for the rows before it to be checked, so memory stays constant. The first event that fails is
            // decoded and handed to the core's verifier, resumed where the fast checks left off, which names the
            // problem exactly as it would have from the start.
            let pass = AuditVerifyPass()
            do {
                _ = try await connection.query(
                    "SELECT ROW(\(unescaped: Self.columns)) FROM audit_events ORDER BY id ASC", logger: database.logger
                ) { row in
                    let checked = try pass.check(row)
                    if progressEvery > 0, checked % progressEvery == 0 { progress(checked) }
                }.get()
            } catch {
                // Stopping at a record not accepted cancels the query: PostgresNIO answers with the callback's error or
                // with `queryCancelled`, whichever reaches the query first. Any error without that stop is the answer.
                guard pass.outcome.failed != nil else { throw error }
            }
            let (check, failed) = pass.outcome
            if let failed {
                var verifier = AuditChain.Verifier(after: check.head)
                let event = failed.withUnsafeReadableBytes { bytes in StoredEventRecord(bytes)?.event(in: bytes) }
                if let event, let broken = verifier.consume(event) { return broken.reporting(unsequencedEvents: unsequenced) }
                throw StoreError(.integrity, "audit event \(check.verifiedCount + 1) could not be checked from its stored form")
            }
            let verifier = AuditChain.Verifier(after: check.head)
            return verifier.finish(head: head).reporting(unsequencedEvents: unsequenced)
        }
    }

    static let columns = """
        id, "timestamp", actor_identity, action, request_id, provider, resource_scope, outcome, details_json, prev_hash, hash
        """

    /// One `columns` row as an event, read cell by cell from the wire form (`audit verify` reads every event of the
    /// log this way: a tuple `decode` looks up generic metadata for the tuple type on every row, an eighth of the time).
    static func decode(_ row: PostgresRow) throws -> AuditEvent {
        var cells = row.makeIterator()
        var id: Int64 = 0
        func cell() throws -> PostgresCell {
            guard let cell = cells.next() else { throw StoreError(.integrity, "audit event \(id) has too few columns") }
            return cell
        }
        func integer(_ cell: PostgresCell) throws -> Int64 {
            guard cell.dataType == .int8, cell.format == .binary, let bytes = cell.bytes, bytes.readableBytes == 8,
                let value = bytes.getInteger(at: bytes.readerIndex, as: Int64.self)
            else { throw StoreError(.integrity, "audit event column \(cell.columnName) is not a bigint") }
            return value
        }
        func optionalText(_ cell: PostgresCell) throws -> String? {
            guard cell.dataType == .text || cell.dataType == .varchar, cell.format == .binary else {
                throw StoreError(.integrity, "audit event \(id) column \(cell.columnName) is not text")
            }
            return cell.bytes.map { String(buffer: $0) }
        }
        func text(_ cell: PostgresCell) throws -> String {
            guard let value = try optionalText(cell) else { throw StoreError(.integrity, "audit event \(id) has a NULL \(cell.columnName)") }
            return value
        }
        id = try integer(try cell())
        var stampCell = try cell()
        guard var stampBytes = stampCell.bytes else { throw StoreError(.integrity, "audit event \(id) has no timestamp") }
        stampCell.bytes = nil
        let stamp = try StoredTimestamp(from: &stampBytes, type: stampCell.dataType, format: stampCell.format, context: .default)
        let actor = try text(try cell())
        let action = try text(try cell())
        let requestID = try optionalText(try cell())
        let provider = try text(try cell())
        let scope = try text(try cell())
        let outcome = try text(try cell())
        let details = try text(try cell())
        let prevHash = try text(try cell())
        let hash = try text(try cell())
        guard let outcomeValue = AuditOutcome(rawValue: outcome) else {
            throw StoreError(.integrity, "audit event \(id) has unknown outcome '\(outcome)'")
        }
        return AuditEvent(
            id: id, timestamp: stamp.value, actorIdentity: actor, action: action,
            requestID: requestID, provider: provider, resourceScope: scope, outcome: outcomeValue, detailsJSON: details,
            prevHash: prevHash, hash: hash
        )
    }
}
