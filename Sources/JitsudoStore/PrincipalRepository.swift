public import JitsudoCore
import PostgresNIO

/// Known identities and their trust tiers.
public struct PrincipalRepository: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// The principal `identity`.
    ///
    /// - Throws: ``StoreError`` `notFound` for an identity never seen.
    public func get(_ identity: String) async throws -> Principal {
        let rows = try await database.query("SELECT \(unescaped: Self.columns) FROM principals WHERE identity = \(identity)")
        for try await row in rows { return try Self.decode(row) }
        throw StoreError(.notFound, "principal \(identity) not found", context: ["identity": identity])
    }

    /// The trust tier of `identity`, 0 when unknown.
    public func trustTier(of identity: String) async throws -> Int {
        do {
            for try await tier in try await database.connections.execute(TrustTierOf(identity: identity), logger: database.logger) { return tier }
            return 0
        } catch {
            throw Database.translate(error)
        }
    }

    /// Every request's first question (prepared once per connection, like the request path's statements).
    struct TrustTierOf: OneTextParameterStatement {
        static let name = "jitsudo_trust_tier_of_v1"
        static let sql = "SELECT trust_tier FROM principals WHERE identity = $1"

        let identity: String
        var parameter: String { identity }

        func decodeRow(_ row: PostgresRow) throws -> Int { try row.decode(Int.self) }
    }

    /// Records that `identity` made an authenticated call: creates it, or bumps `last_seen_at` at most once a minute.
    public func touch(_ identity: String) async throws {
        try await database.query(
            """
            INSERT INTO principals (identity) VALUES (\(identity))
            ON CONFLICT (identity) DO UPDATE SET last_seen_at = now()
            WHERE principals.last_seen_at < now() - interval '1 minute'
            """
        )
    }

    /// Sets the trust tier of `identity` (creating the principal if needed), audited as `principal.trust_tier_set`.
    ///
    /// - Throws: ``StoreError`` `invalidArgument` for a tier outside 0–4.
    public func setTrustTier(_ identity: String, tier: Int, notes: String, by actor: String) async throws -> Principal {
        guard Principal.tiers.contains(tier) else {
            throw StoreError(.invalidArgument, "trust_tier must be 0–4, got \(tier)", context: ["field": "trust_tier"])
        }
        return try await database.transaction { connection in
            let logger = database.logger
            let oldRows = try await connection.query(
                "SELECT trust_tier FROM principals WHERE identity = \(identity) FOR UPDATE", logger: logger
            )
            var oldTier = 0
            for try await value in oldRows.decode(Int.self) { oldTier = value }
            let rows = try await connection.query(
                """
                INSERT INTO principals (identity, trust_tier, enrolled_by, enrolled_at, notes)
                VALUES (\(identity), \(tier), \(actor), now(), \(notes))
                ON CONFLICT (identity) DO UPDATE SET trust_tier = EXCLUDED.trust_tier, enrolled_by = EXCLUDED.enrolled_by,
                    enrolled_at = now(), notes = EXCLUDED.notes
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            )
            var stored: Principal?
            for try await row in rows { stored = try Self.decode(row) }
            guard let stored else { throw StoreError(.integrity, "principal \(identity) was not stored") }
            try await AuditLog.append(
                AuditDraft(
                    actor: actor, action: AuditAction.trustTierSet,
                    details: [
                        "identity": .string(identity), "old_tier": .int(Int64(oldTier)), "new_tier": .int(Int64(tier)), "notes": .string(notes),
                    ]
                ),
                on: connection, logger: logger
            )
            return stored
        }
    }

    static let columns = """
        identity, trust_tier, enrolled_by, \(SQL.micros("enrolled_at")), \(SQL.micros("last_seen_at")), notes
        """

    static func decode(_ row: PostgresRow) throws -> Principal {
        let (identity, tier, enrolledBy, enrolledAt, lastSeen, notes) = try row.decode((String, Int, String, Int64, Int64, String).self)
        return Principal(
            identity: identity, trustTier: tier, enrolledBy: enrolledBy, enrolledAt: AuditTimestamp(microsecondsSinceEpoch: enrolledAt),
            lastSeenAt: AuditTimestamp(microsecondsSinceEpoch: lastSeen), notes: notes
        )
    }
}
