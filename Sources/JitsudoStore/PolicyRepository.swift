public import JitsudoCore
import PostgresNIO

/// Stored Rego policies. Every write is audited in its transaction and checks, before it commits, that
/// the resulting set of enabled modules of the type still passes `validate` (the compiler), so a
/// broken set is refused and nothing changes.
public struct PolicyRepository: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Checks the enabled policies of one type as they would be after a write; throws to refuse the write.
    public typealias Validator = @Sendable (PolicyType, [Policy]) throws -> Void

    /// All policies, ordered by name, optionally of one type and/or one name.
    public func list(type: PolicyType? = nil, name: String? = nil) async throws -> [Policy] {
        let rows = try await database.query(
            """
            SELECT \(unescaped: Self.columns) FROM policies
            WHERE (\(type?.rawValue)::text IS NULL OR type = \(type?.rawValue))
              AND (\(name)::text IS NULL OR name = \(name))
            ORDER BY name
            """
        )
        var policies: [Policy] = []
        for try await row in rows { policies.append(try Self.decode(row)) }
        return policies
    }

    /// The enabled policies of `type`, ordered by name: the set the engine loads.
    public func enabled(_ type: PolicyType) async throws -> [Policy] {
        try await list(type: type).filter(\.enabled)
    }

    /// The policy with id `reference`, or else with that name.
    ///
    /// - Throws: ``StoreError`` `notFound`.
    public func get(_ reference: String) async throws -> Policy {
        let rows = try await database.query(
            "SELECT \(unescaped: Self.columns) FROM policies WHERE id = \(reference) OR name = \(reference) ORDER BY (id = \(reference)) DESC LIMIT 1"
        )
        for try await row in rows { return try Self.decode(row) }
        throw StoreError(.notFound, "policy \(reference) not found; list policies with 'jitsudo policy list'", context: ["policy": reference])
    }

    /// Creates the policy `name` or replaces it (keeping its id). Returns the stored policy and whether it was created.
    public func apply(
        name: String,
        type: PolicyType,
        rego: String,
        description: String,
        enabled: Bool,
        by actor: String,
        newID: PolicyID,
        validate: Validator
    ) async throws -> (policy: Policy, created: Bool) {
        try Policy.validateName(name)
        return try await database.transaction { connection in
            let logger = database.logger
            try await Self.lockPolicies(connection, logger: logger)
            let existing = try await Self.fetchAll(connection, logger: logger)
            let previous = existing.first { $0.name == name }
            var candidate = existing.filter { $0.name != name }
            let now = AuditTimestamp(microsecondsSinceEpoch: 0)
            candidate.append(
                Policy(
                    id: previous?.id ?? newID, name: name, type: type, rego: rego, description: description, enabled: enabled,
                    updatedBy: actor, createdAt: now, updatedAt: now)
            )
            try Self.check(types: [type] + (previous.map { [$0.type] } ?? []), candidate, validate)
            let rows = try await connection.query(
                """
                INSERT INTO policies (id, name, type, rego, description, enabled, updated_by)
                VALUES (\(newID.rawValue), \(name), \(type.rawValue), \(rego), \(description), \(enabled), \(actor))
                ON CONFLICT (name) DO UPDATE SET type = EXCLUDED.type, rego = EXCLUDED.rego, description = EXCLUDED.description,
                    enabled = EXCLUDED.enabled, updated_by = EXCLUDED.updated_by, updated_at = now()
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            )
            var stored: Policy?
            for try await row in rows { stored = try Self.decode(row) }
            guard let stored else { throw StoreError(.integrity, "policy \(name) was not stored") }
            let action = previous == nil ? AuditAction.policyCreated : AuditAction.policyUpdated
            try await AuditLog.append(Self.auditDraft(action, stored, actor: actor), on: connection, logger: logger)
            return (stored, previous == nil)
        }
    }

    /// Changes `enabled` and/or `description` of the policy with id or name `reference`.
    public func update(
        _ reference: String,
        enabled: Bool?,
        description: String?,
        by actor: String,
        validate: Validator
    ) async throws -> Policy {
        try await database.transaction { connection in
            let logger = database.logger
            try await Self.lockPolicies(connection, logger: logger)
            let existing = try await Self.fetchAll(connection, logger: logger)
            guard var policy = existing.first(where: { $0.id.rawValue == reference }) ?? existing.first(where: { $0.name == reference }) else {
                throw StoreError(.notFound, "policy \(reference) not found; list policies with 'jitsudo policy list'", context: ["policy": reference])
            }
            if let enabled { policy.enabled = enabled }
            if let description { policy.description = description }
            let candidate = existing.map { $0.id == policy.id ? policy : $0 }
            try Self.check(types: [policy.type], candidate, validate)
            let rows = try await connection.query(
                """
                UPDATE policies SET enabled = \(policy.enabled), description = \(policy.description), updated_by = \(actor),
                    updated_at = now()
                WHERE id = \(policy.id.rawValue)
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            )
            var stored: Policy?
            for try await row in rows { stored = try Self.decode(row) }
            guard let stored else { throw StoreError(.notFound, "policy \(reference) not found") }
            try await AuditLog.append(Self.auditDraft(AuditAction.policyUpdated, stored, actor: actor), on: connection, logger: logger)
            return stored
        }
    }

    /// Deletes the policy with id or name `reference`; refused when the remaining set would not compile.
    @discardableResult
    public func delete(_ reference: String, by actor: String, validate: Validator) async throws -> Policy {
        try await database.transaction { connection in
            let logger = database.logger
            try await Self.lockPolicies(connection, logger: logger)
            let existing = try await Self.fetchAll(connection, logger: logger)
            guard let policy = existing.first(where: { $0.id.rawValue == reference }) ?? existing.first(where: { $0.name == reference }) else {
                throw StoreError(.notFound, "policy \(reference) not found; list policies with 'jitsudo policy list'", context: ["policy": reference])
            }
            try Self.check(types: [policy.type], existing.filter { $0.id != policy.id }, validate)
            try await connection.query("DELETE FROM policies WHERE id = \(policy.id.rawValue)", logger: logger)
            var draft = Self.auditDraft(AuditAction.policyDeleted, policy, actor: actor)
            var details = AuditDetails()
            details["policy_id"] = .string(policy.id.rawValue)
            details["policy_name"] = .string(policy.name)
            details["policy_type"] = .string(policy.type.rawValue)
            details["enabled"] = .bool(policy.enabled)
            draft.detailsJSON = details.jsonText
            try await AuditLog.append(draft, on: connection, logger: logger)
            return policy
        }
    }

    /// Inserts `policies` that do not exist yet by name (development seeds), unaudited like any seed data.
    public func seedIfMissing(_ policies: [Policy]) async throws {
        for policy in policies {
            try await database.query(
                """
                INSERT INTO policies (id, name, type, rego, description, enabled, updated_by)
                VALUES (\(policy.id.rawValue), \(policy.name), \(policy.type.rawValue), \(policy.rego), \(policy.description),
                        \(policy.enabled), \(policy.updatedBy))
                ON CONFLICT DO NOTHING
                """
            )
        }
    }

    private static func check(types: [PolicyType], _ candidate: [Policy], _ validate: Validator) throws {
        for type in Set(types) {
            try validate(type, candidate.filter { $0.type == type && $0.enabled }.sorted { $0.name < $1.name })
        }
    }

    /// Serialises policy writers so the compile check sees the set that will be committed.
    private static func lockPolicies(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("LOCK TABLE policies IN SHARE ROW EXCLUSIVE MODE", logger: logger)
    }

    private static func fetchAll(_ connection: PostgresConnection, logger: Logger) async throws -> [Policy] {
        let rows = try await connection.query("SELECT \(unescaped: columns) FROM policies ORDER BY name", logger: logger)
        var policies: [Policy] = []
        for try await row in rows { policies.append(try decode(row)) }
        return policies
    }

    private static func auditDraft(_ action: String, _ policy: Policy, actor: String) -> AuditDraft {
        AuditDraft(
            actor: actor,
            action: action,
            details: [
                "policy_id": .string(policy.id.rawValue),
                "policy_name": .string(policy.name),
                "policy_type": .string(policy.type.rawValue),
                "enabled": .bool(policy.enabled),
                "rego_sha256": .string(Hashing.sha256Hex(policy.rego)),
            ]
        )
    }

    static let columns = """
        id, name, type, rego, description, enabled, updated_by, \(SQL.micros("created_at")), \(SQL.micros("updated_at"))
        """

    static func decode(_ row: PostgresRow) throws -> Policy {
        let (id, name, type, rego, description, enabled, updatedBy, created, updated) = try row.decode(
            (String, String, String, String, String, Bool, String, Int64, Int64).self
        )
        guard let policyType = PolicyType(rawValue: type) else { throw StoreError(.integrity, "policy \(id) has unknown type '\(type)'") }
        return Policy(
            id: try PolicyID(parsing: id), name: name, type: policyType, rego: rego, description: description, enabled: enabled,
            updatedBy: updatedBy, createdAt: AuditTimestamp(microsecondsSinceEpoch: created),
            updatedAt: AuditTimestamp(microsecondsSinceEpoch: updated)
        )
    }
}
