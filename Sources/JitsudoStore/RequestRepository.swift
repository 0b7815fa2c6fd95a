import Foundation
public import JitsudoCore
public import PostgresNIO
import BoundedJSON

/// Elevation requests: create, read, list, and transition under a row lock with the audit event in
/// the same transaction.
public struct RequestRepository: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Stores a new request and its audit event(s) atomically; returns the row as stored. Its `created_at` is the
    /// request's `createdAt` (the service's clock, the one its pending TTL is measured with), not the database's.
    ///
    /// The request and its events are one statement, autocommitted (one round trip): the events are staged by the
    /// statement itself, and nothing in the schema is deferred to commit, so every refusal is the statement's own error.
    /// (PostgresNIO loses an error that follows a statement's rows, where an autocommitted statement's commit would
    /// report one; `MigrationTests.nothingInTheSchemaIsDeferredToCommit` keeps the schema free of such work.) With
    /// `extraWrites`, the statement and the writes share an explicit transaction.
    @discardableResult
    public func create(
        _ request: ElevationRequest, audit: [AuditDraft], extraWrites: [@Sendable (PostgresConnection, Logger) async throws -> Void] = []
    ) async throws -> StoredRequest {
        let insert = InsertRequest(request: request, metadataJSON: try Self.encodeMetadata(request.metadata), audit: AuditRows(audit))
        if extraWrites.isEmpty {
            do {
                let stored = try await Self.single(try await database.connections.execute(insert, logger: database.logger), id: request.id.rawValue)
                AuditLog.countAppends(audit)
                return stored
            } catch {
                throw Database.translate(error)
            }
        }
        return try await database.transaction { connection in
            let stored = try await Self.single(try await connection.execute(insert, logger: database.logger), id: request.id.rawValue)
            AuditLog.countAppends(audit)
            for write in extraWrites { try await write(connection, database.logger) }
            return stored
        }
    }

    /// The request with `id`.
    ///
    /// - Throws: ``StoreError`` `notFound`.
    public func get(_ id: RequestID) async throws -> ElevationRequest {
        let rows = try await database.query("SELECT \(unescaped: Self.columns) FROM requests WHERE id = \(id.rawValue)")
        return try await Self.single(rows, id: id.rawValue)
    }

    /// The approvals recorded for `id`, oldest first.
    public func approvals(of id: RequestID) async throws -> [Approval] {
        let rows = try await database.query(
            """
            SELECT approver_identity, comment, \(unescaped: SQL.micros("created_at")) FROM approvals
            WHERE request_id = \(id.rawValue) ORDER BY created_at, approver_identity
            """
        )
        var approvals: [Approval] = []
        for try await (identity, comment, micros) in rows.decode((String, String, Int64).self) {
            approvals.append(Approval(approverIdentity: identity, comment: comment, createdAt: AuditTimestamp(microsecondsSinceEpoch: micros)))
        }
        return approvals
    }

    /// ``approvals(of:)`` for many requests in one query, keyed by request id, each oldest first.
    public func approvals(of ids: [RequestID]) async throws -> [RequestID: [Approval]] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await database.query(
            """
            SELECT request_id, approver_identity, comment, \(unescaped: SQL.micros("created_at")) FROM approvals
            WHERE request_id = ANY(\(ids.map(\.rawValue))) ORDER BY request_id, created_at, approver_identity
            """
        )
        var result: [RequestID: [Approval]] = [:]
        for try await (id, identity, comment, micros) in rows.decode((String, String, String, Int64).self) {
            result[try RequestID(parsing: id), default: []].append(
                Approval(approverIdentity: identity, comment: comment, createdAt: AuditTimestamp(microsecondsSinceEpoch: micros))
            )
        }
        return result
    }

    /// Filters of a request listing; nil means "any". Filters combine with AND.
    public struct Filter: Sendable, Hashable {
        public var requesterIdentity: String?
        public var state: RequestState?
        public var provider: String?

        public init(requesterIdentity: String? = nil, state: RequestState? = nil, provider: String? = nil) {
            self.requesterIdentity = requesterIdentity
            self.state = state
            self.provider = provider
        }

        var fingerprint: String {
            [requesterIdentity, state?.rawValue, provider].map { $0 ?? "\u{0}" }.joined(separator: "\u{1}")
        }
    }

    /// One page of requests, newest first (`created_at` desc, then `id` desc), and the next page token.
    ///
    /// - Throws: ``StoreError`` `invalidArgument` for a foreign or malformed token.
    public func list(
        _ filter: Filter,
        pageSize: Int = 200,
        pageToken: String = ""
    ) async throws -> (requests: [ElevationRequest], nextPageToken: String) {
        let limit = min(max(pageSize, 1), 1000)
        var afterMicros: Int64?
        var afterID: String?
        if let position = try PageToken.decode(pageToken, fingerprint: filter.fingerprint) {
            let parts = position.split(separator: "/", maxSplits: 1)
            guard parts.count == 2, let micros = Int64(parts[0]) else {
                throw StoreError(.invalidArgument, "page_token is not a token this server issued; start again without page_token")
            }
            afterMicros = micros
            afterID = String(parts[1])
        }
        let rows = try await database.query(
            """
            SELECT \(unescaped: Self.columns) FROM requests
            WHERE (\(filter.requesterIdentity)::text IS NULL OR requester_identity = \(filter.requesterIdentity))
              AND (\(filter.state?.rawValue)::text IS NULL OR state = \(filter.state?.rawValue))
              AND (\(filter.provider)::text IS NULL OR provider = \(filter.provider))
              AND (\(afterMicros)::bigint IS NULL
                   OR (created_at, id) < (timestamptz 'epoch' + (\(afterMicros) * interval '1 microsecond'), \(afterID)::text))
            ORDER BY created_at DESC, id DESC
            LIMIT \(limit + 1)
            """
        )
        var requests: [ElevationRequest] = []
        for try await row in rows { requests.append(try Self.decode(row)) }
        var next = ""
        if requests.count > limit {
            requests.removeLast()
            let last = requests[requests.count - 1]
            next = PageToken.encode("\(last.createdAt.microseconds)/\(last.id.rawValue)", fingerprint: filter.fingerprint)
        }
        return (requests, next)
    }

    /// What a transition writes, decided by the caller from the locked row.
    public struct Change: Sendable {
        /// The request with its new field values (`id`, requester and submission fields are not written).
        public var request: ElevationRequest
        /// Audit events, appended in order in the same transaction.
        public var audit: [AuditDraft]
        /// A provider revocation to queue (inserted once; a second insert for the same request is ignored).
        public var revocation: RequestStateMachine.RevocationCause?
        /// An approver decision to record in `approvals`.
        public var approval: Approval?
        /// Sealed credentials JSON to store; credentials are always cleared when the new state is not `ACTIVE`.
        public var credentialsJSON: String?
        /// Further writes that must commit with this change (e.g. notification outbox rows), run after the audit.
        public var extraWrites: [@Sendable (PostgresConnection, Logger) async throws -> Void] = []
        /// False for a change that only records (a refusal's audit event): the request row is not written.
        public var updatesRequest = true

        /// A change that leaves `request` as it is; add audit events to record a refusal.
        public static func unchanged(_ request: ElevationRequest) -> Change {
            var change = Change(request: request, audit: [])
            change.updatesRequest = false
            return change
        }

        public init(
            request: ElevationRequest,
            audit: [AuditDraft],
            revocation: RequestStateMachine.RevocationCause? = nil,
            approval: Approval? = nil,
            credentialsJSON: String? = nil
        ) {
            self.request = request
            self.audit = audit
            self.revocation = revocation
            self.approval = approval
            self.credentialsJSON = credentialsJSON
        }
    }

    /// What a caller knows of a request from the statement that last wrote it: the row as stored, with its version, and
    /// its approvals. A transition ``transition(_:fence:from:_:)`` first decides on this and writes only while the row
    /// still has that version.
    public struct Snapshot: Sendable {
        public var stored: StoredRequest
        public var approvals: [Approval]

        public init(stored: StoredRequest, approvals: [Approval]) {
            self.stored = stored
            self.approvals = approvals
        }
    }

    /// Locks the request (`SELECT … FOR UPDATE`), hands it and its approvals to `decide`, and writes the
    /// returned ``Change`` with its audit events in the same transaction. The update re-checks the state
    /// it read, so the write happens only from the state `decide` saw.
    ///
    /// `decide` may throw (e.g. an illegal transition): nothing is written and the error reaches the caller.
    /// With `fence`, the transaction first checks that leadership epoch is still `fence` (leader-only writes).
    public func transition(
        _ id: RequestID,
        fence: Int64? = nil,
        _ decide: (ElevationRequest, [Approval]) throws -> Change
    ) async throws -> ElevationRequest {
        try await transition(id, fence: fence, from: nil, decide).request
    }

    /// ``transition(_:fence:_:)``, first tried from `snapshot` without a lock: `decide` runs on the snapshot, and when
    /// it updates the row (with no further writes), the update is one autocommitted statement that writes only while
    /// the row still has the snapshot's version — no other transaction has written it since, so its approvals are the
    /// snapshot's too (an approval is only ever written with its row). When the row has moved on, or `decide` refuses
    /// on the snapshot or asks for more than the update, nothing was written and the locked transition decides again
    /// on the row as it is. Leader-only writes (`fence`) always take the lock.
    public func transition(
        _ id: RequestID,
        fence: Int64? = nil,
        from snapshot: Snapshot?,
        _ decide: (ElevationRequest, [Approval]) throws -> Change
    ) async throws -> StoredRequest {
        if let snapshot, fence == nil, let change = Self.optimisticChange(decide, on: snapshot) {
            let update = UpdateRequest(id: id, readState: snapshot.stored.request.state, readVersion: snapshot.stored.version, change: change)
            // Read to the end: an error of the statement's later parts (the approval, the events) follows its row.
            var written: StoredRequest?
            do {
                let rows = try await database.connections.execute(update, logger: database.logger)
                for try await stored in rows where written == nil { written = stored }
            } catch {
                throw Database.translate(error)
            }
            if let written {
                AuditLog.countAppends(change.audit)
                return written
            }
        }
        return try await database.transaction { connection in
            let logger = database.logger
            if let fence { try await Leadership.fence(fence, on: connection, logger: logger) }
            let locked = try await Self.single(try await connection.execute(LockRequest(id: id), logger: logger), id: id.rawValue)
            var approvals: [Approval] = []
            for try await approval in try await connection.execute(ApprovalsOfRequest(id: id), logger: logger) { approvals.append(approval) }
            let change = try decide(locked.request, approvals)
            guard change.updatesRequest else {
                try await AuditLog.append(change.audit, on: connection, logger: logger)
                for write in change.extraWrites { try await write(connection, logger) }
                return locked
            }
            // One statement: the row, the approval, the queued revocation and the audit events. A row that left the
            // state read is not updated: no approval or revocation is written for it, and `single` throws `notFound`,
            // which rolls the whole transaction back, audit events included.
            let updated = try await connection.execute(
                UpdateRequest(id: id, readState: locked.request.state, readVersion: nil, change: change), logger: logger)
            let stored = try await Self.single(updated, id: id.rawValue)
            AuditLog.countAppends(change.audit)
            for write in change.extraWrites { try await write(connection, logger) }
            return stored
        }
    }

    /// `decide`'s change on `snapshot` when it is one autocommitted update can write; nil when the decision needs the
    /// lock: a refusal (it may not stand on the row as it is now), a change that only records, or further writes.
    static func optimisticChange(_ decide: (ElevationRequest, [Approval]) throws -> Change, on snapshot: Snapshot) -> Change? {
        let change: Change
        do {
            change = try decide(snapshot.stored.request, snapshot.approvals)
        } catch {
            return nil
        }
        return change.updatesRequest && change.extraWrites.isEmpty ? change : nil
    }

    /// The sealed credentials JSON of an `ACTIVE` request, or nil.
    public func credentialsJSON(of id: RequestID) async throws -> String? {
        let rows = try await database.query(
            "SELECT credentials_json::text FROM requests WHERE id = \(id.rawValue) AND state = 'ACTIVE'"
        )
        for try await text in rows.decode(String?.self) { return text }
        return nil
    }

    static let columns = """
        id, state, requester_identity, provider, role, resource_scope, duration_seconds, reason, break_glass, metadata::text,
        approver_tier, required_approvals, approver_identity, approver_comment, ai_reasoning_json,
        \(SQL.micros("issued_at")), \(SQL.micros("expires_at")), revoke_token, revoked_by, revoke_reason,
        \(SQL.micros("created_at")), \(SQL.micros("updated_at"))
        """

    /// The row version of a request: the transaction that wrote it (`xmin`), as a bigint.
    static let version = "xmin::text::bigint"

    /// The one request `rows` hold. The sequence is read to its end: an autocommitted statement reports a failed
    /// commit (the audit link refusing, a deferred constraint) only after its rows, and stopping at the first row would
    /// lose that error and report a change that was rolled back.
    static func single(_ rows: PostgresRowSequence, id: String) async throws -> ElevationRequest {
        try await single(rows.map { try decode($0) }, id: id)
    }

    /// ``single(_:id:)`` of a prepared statement's decoded rows.
    static func single<Element>(_ rows: some AsyncSequence<Element, any Error>, id: String) async throws -> Element {
        var first: Element?
        for try await row in rows where first == nil { first = row }
        guard let first else { throw StoreError(.notFound, "request \(id) not found", context: ["request.id": id]) }
        return first
    }

    /// A row of `columns` followed by `version`.
    static func decodeStored(_ row: PostgresRow) throws -> StoredRequest {
        let request = try decode(row)
        let cells = row.makeRandomAccess()
        guard cells.count == 23 else { throw StoreError(.integrity, "request \(request.id) was read without its row version") }
        return StoredRequest(request: request, version: try cells[22].decode(Int64.self, context: .default))
    }

    static func decode(_ row: PostgresRow) throws -> ElevationRequest {
        let columns = row.makeRandomAccess()
        func value<T: PostgresDecodable>(_ index: Int, _ type: T.Type) throws -> T {
            try columns[index].decode(T.self, context: .default)
        }
        let id = try value(0, String.self)
        let stateText = try value(1, String.self)
        guard let state = RequestState(rawValue: stateText),
            let tier = ApproverTier(rawValue: try value(10, String.self))
        else { throw StoreError(.integrity, "request \(id) has an unknown state or tier") }
        let metadata = try decodeMetadata(try value(9, String.self), of: id)
        func time(_ index: Int) throws -> AuditTimestamp? {
            try value(index, Int64?.self).map { AuditTimestamp(microsecondsSinceEpoch: $0) }
        }
        return ElevationRequest(
            id: try RequestID(parsing: id),
            state: state,
            requesterIdentity: try value(2, String.self),
            provider: try value(3, String.self),
            role: try value(4, String.self),
            resourceScope: try value(5, String.self),
            durationSeconds: try value(6, Int64.self),
            reason: try value(7, String.self),
            breakGlass: try value(8, Bool.self),
            metadata: metadata,
            approverTier: tier,
            requiredApprovals: try value(11, Int.self),
            approverIdentity: try value(12, String?.self),
            approverComment: try value(13, String?.self),
            aiReasoningJSON: try value(14, String?.self),
            issuedAt: try time(15),
            expiresAt: try time(16),
            revokeToken: try value(17, String?.self),
            revokedBy: try value(18, String?.self),
            revokeReason: try value(19, String?.self),
            createdAt: try time(20) ?? AuditTimestamp(microsecondsSinceEpoch: 0),
            updatedAt: try time(21) ?? AuditTimestamp(microsecondsSinceEpoch: 0)
        )
    }

    /// The `metadata` column as PostgreSQL prints it. Most requests carry none, and `{}` is all jsonb ever prints for an
    /// empty object, so that case skips the JSON decoder. Anything else that is not an object of strings was not
    /// written by jitsudo (the column's check refuses it): an integrity error, never a request read as having none.
    static func decodeMetadata(_ text: String, of id: String) throws -> [String: String] {
        if text == "{}" { return [:] }
        do {
            return try JSONDecoder().decodeBounded([String: String].self, from: Data(text.utf8))
        } catch {
            throw StoreError(.integrity, "request \(id) has metadata that is not a JSON object of strings", context: ["request.id": id])
        }
    }

    static func encodeMetadata(_ metadata: [String: String]) throws -> String {
        if metadata.isEmpty { return "{}" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(metadata), as: UTF8.self)
    }
}

/// One approver's decision on a request (`schema.md` §7.2).
public struct Approval: Sendable, Hashable {
    public var approverIdentity: String
    public var comment: String
    public var createdAt: AuditTimestamp

    public init(approverIdentity: String, comment: String, createdAt: AuditTimestamp) {
        self.approverIdentity = approverIdentity
        self.comment = comment
        self.createdAt = createdAt
    }
}

extension RequestRepository {
    /// Ids of requests whose time ran out: `ACTIVE` past `expires_at`, and `PENDING` older than `pendingTTLSeconds`.
    public func due(at now: AuditTimestamp, pendingTTLSeconds: Int64, limit: Int = 100) async throws -> [RequestID] {
        // `now` is the caller's clock, the one the workflow re-checks each expiry with: one time source decides.
        let rows = try await database.query(
            """
            SELECT id FROM requests
            WHERE (state = 'ACTIVE' AND expires_at <= timestamptz 'epoch' + (\(now.microseconds) * interval '1 microsecond'))
               OR (state = 'PENDING' AND created_at
                   <= timestamptz 'epoch' + (\(now.microseconds) * interval '1 microsecond') - (\(pendingTTLSeconds) * interval '1 second'))
            ORDER BY COALESCE(expires_at, created_at)
            LIMIT \(limit)
            """
        )
        var ids: [RequestID] = []
        for try await text in rows.decode(String.self) { ids.append(try RequestID(parsing: text)) }
        return ids
    }

    /// The MCP approver's queue: `PENDING` requests routed to tier `ai_review`, oldest first.
    public func pendingAIReview(limit: Int = 100) async throws -> [ElevationRequest] {
        let rows = try await database.query(
            """
            SELECT \(unescaped: Self.columns) FROM requests
            WHERE state = 'PENDING' AND approver_tier = 'ai_review'
            ORDER BY created_at, id LIMIT \(limit)
            """
        )
        var requests: [ElevationRequest] = []
        for try await row in rows { requests.append(try Self.decode(row)) }
        return requests
    }

    /// Ids of the `ACTIVE` requests of `identity`.
    public func activeIDs(of identity: String) async throws -> [RequestID] {
        let rows = try await database.query(
            "SELECT id FROM requests WHERE state = 'ACTIVE' AND requester_identity = \(identity) ORDER BY created_at"
        )
        var ids: [RequestID] = []
        for try await text in rows.decode(String.self) { ids.append(try RequestID(parsing: text)) }
        return ids
    }

    /// The earliest moment something becomes due: an ACTIVE grant's expiry, a PENDING request's TTL end, or a
    /// queued revocation's next attempt. nil when nothing is scheduled.
    public func nextDue(pendingTTLSeconds: Int64) async throws -> AuditTimestamp? {
        let rows = try await database.query(
            """
            SELECT \(unescaped: SQL.micros("t")) FROM (
                SELECT min(expires_at) AS t FROM requests WHERE state = 'ACTIVE'
                UNION ALL SELECT min(created_at) + (\(pendingTTLSeconds) * interval '1 second') FROM requests WHERE state = 'PENDING'
                UNION ALL SELECT min(next_attempt_at) FROM revocations WHERE done_at IS NULL
            ) due WHERE t IS NOT NULL ORDER BY t LIMIT 1
            """
        )
        for try await micros in rows.decode(Int64.self) { return AuditTimestamp(microsecondsSinceEpoch: micros) }
        return nil
    }

    /// The number of `ACTIVE` grants (for the metrics gauge).
    /// `PENDING` requests created at or before `now - seconds`: those past half their pending TTL are an alert
    /// (`JitsudoRequestsPendingPastHalfTTL`): approvers are not answering.
    public func pendingCount(olderThanSeconds seconds: Int64, at now: AuditTimestamp) async throws -> Int {
        let rows = try await database.query(
            """
            SELECT COUNT(*)::integer FROM requests
            WHERE state = 'PENDING' AND created_at
                  <= timestamptz 'epoch' + (\(now.microseconds) * interval '1 microsecond') - (\(seconds) * interval '1 second')
            """
        )
        for try await value in rows.decode(Int.self) { return value }
        return 0
    }

    public func activeCount() async throws -> Int {
        let rows = try await database.query("SELECT COUNT(*)::integer FROM requests WHERE state = 'ACTIVE'")
        for try await value in rows.decode(Int.self) { return value }
        return 0
    }
}
