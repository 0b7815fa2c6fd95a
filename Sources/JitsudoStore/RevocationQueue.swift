import JitsudoCore
import PostgresNIO

/// The durable queue of provider revocations (`schema.md` §1.6). A row is inserted in the transaction that
/// ends a grant; workers take one row at a time with `FOR UPDATE SKIP LOCKED` and hold its lock while the
/// provider is called, so a revocation is never sent twice concurrently.
public struct RevocationQueue: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// A revocation taken from the queue.
    public struct Due: Sendable, Hashable {
        public var requestID: String
        public var provider: String
        public var revokeToken: String?
        /// The other ACTIVE grants of the same provider whose revoke token is this one's (read in the same transaction):
        /// for a provider whose object several grants share, the grants that still need it.
        public var otherHolders: [String]

        public init(requestID: String, provider: String, revokeToken: String?, otherHolders: [String] = []) {
            self.requestID = requestID
            self.provider = provider
            self.revokeToken = revokeToken
            self.otherHolders = otherHolders
        }
    }

    /// The outcome of one attempt.
    public enum Attempt: Sendable, Hashable {
        case revoked
        /// Nothing was removed: the object is shared and these ACTIVE grants still hold it (the last one removes it).
        case kept(heldBy: [String])
        case failed(String)
    }

    /// Takes the next due revocation, calls `revoke` while holding its row lock, and records the outcome
    /// with its audit event in the same transaction. Returns false when nothing was due.
    ///
    /// Failures back off exponentially (`baseDelay` × 2^attempts, at most `maxDelay`); the first failure is
    /// audited `grant.revocation_failed`, the success `grant.revocation_completed`.
    public func processNext(
        fence: Int64? = nil,
        baseDelaySeconds: Double = 1,
        maxDelaySeconds: Double = 300,
        revoke: @Sendable (Due) async -> Attempt
    ) async throws -> Bool {
        try await database.transaction { connection in
            let logger = database.logger
            if let fence { try await Leadership.fence(fence, on: connection, logger: logger) }
            let rows = try await connection.query(
                """
                SELECT q.request_id, q.attempts, r.provider, r.resource_scope, r.revoke_token
                FROM revocations q JOIN requests r ON r.id = q.request_id
                WHERE q.done_at IS NULL AND q.next_attempt_at <= now()
                ORDER BY q.next_attempt_at
                LIMIT 1
                FOR UPDATE OF q SKIP LOCKED
                """,
                logger: logger
            )
            var due: (String, Int, String, String, String?)?
            for try await row in rows.decode((String, Int, String, String, String?).self) { due = row }
            guard let (requestID, attempts, provider, scope, token) = due else { return false }
            var otherHolders: [String] = []
            if let token {
                let holders = try await connection.query(
                    """
                    SELECT id FROM requests
                    WHERE state = 'ACTIVE' AND provider = \(provider) AND revoke_token = \(token) AND id <> \(requestID)
                    ORDER BY id
                    """,
                    logger: logger
                )
                for try await id in holders.decode(String.self) { otherHolders.append(id) }
            }
            let attempt = await revoke(Due(requestID: requestID, provider: provider, revokeToken: token, otherHolders: otherHolders))
            // The provider call can take long; a connection lost meanwhile (a frozen leader whose session the new
            // leader terminated) records nothing, and the next leader retries the idempotent revoke.
            guard !connection.isClosed else {
                throw StoreError(.unavailable, "database connection lost during the provider call for \(requestID); not recorded")
            }
            switch attempt {
            case .revoked, .kept:
                try await connection.query(
                    "UPDATE revocations SET done_at = now(), attempts = attempts + 1, last_error = '' WHERE request_id = \(requestID)",
                    logger: logger
                )
                var details: AuditDetails = ["attempts": .int(Int64(attempts + 1))]
                if case .kept(let holders) = attempt { details["kept_for"] = .string(holders.joined(separator: ",")) }
                try await AuditLog.append(
                    AuditDraft(
                        actor: "system", action: AuditAction.grantRevocationCompleted, requestID: requestID, provider: provider,
                        resourceScope: scope, details: details),
                    on: connection, logger: logger
                )
            case .failed(let message):
                let delay = min(maxDelaySeconds, baseDelaySeconds * Double(1 << min(attempts, 20)))
                try await connection.query(
                    """
                    UPDATE revocations SET attempts = attempts + 1, last_error = \(message),
                        next_attempt_at = now() + (\(delay) * interval '1 second')
                    WHERE request_id = \(requestID)
                    """,
                    logger: logger
                )
                if attempts == 0 {
                    try await AuditLog.append(
                        AuditDraft(
                            actor: "system", action: AuditAction.grantRevocationFailed, requestID: requestID, provider: provider,
                            resourceScope: scope, outcome: .failure, details: ["attempt": 1, "error": .string(message)]),
                        on: connection, logger: logger
                    )
                }
            }
            return true
        }
    }

    /// The revocation state of each of `requestIDs` — (pending, last error) — in one query; a request that never had a
    /// revocation queued is absent.
    public func statuses(of requestIDs: [String]) async throws -> [String: (pending: Bool, lastError: String)] {
        guard !requestIDs.isEmpty else { return [:] }
        let rows = try await database.query(
            "SELECT request_id, done_at IS NULL, last_error FROM revocations WHERE request_id = ANY(\(requestIDs))"
        )
        var result: [String: (pending: Bool, lastError: String)] = [:]
        for try await (id, pending, lastError) in rows.decode((String, Bool, String).self) { result[id] = (pending, lastError) }
        return result
    }

    /// Revocations not yet confirmed by their provider.
    public func pendingCount() async throws -> Int {
        let rows = try await database.query("SELECT COUNT(*)::integer FROM revocations WHERE done_at IS NULL")
        for try await value in rows.decode(Int.self) { return value }
        return 0
    }
}
