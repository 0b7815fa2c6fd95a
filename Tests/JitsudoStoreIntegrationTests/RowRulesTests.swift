@testable import JitsudoStore
import JitsudoTesting
import PostgresNIO
import Testing

/// Migration 15 moved the single-column checks of `requests` and `audit_pending` into one rules function per table. A
/// write that breaks one rule is refused exactly as its old CHECK refused it: SQLSTATE 23514, the old constraint's name,
/// the table, the same message; a row that keeps every rule is written.
@Suite struct RowRulesTests {
    static let validRequest = """
        INSERT INTO requests (id, state, requester_identity, provider, role, duration_seconds)
        VALUES ('req_01JQ0123456789ABCDEFGHJKMN', 'PENDING', 'alice@example.com', 'mock', 'admin', 3600)
        """

    /// Each rule of `requests`, and an UPDATE of the valid row that breaks that rule alone.
    static let requestBreaks: [(rule: String, set: String)] = [
        ("requests_id_check", "id = 'req_01JQ0123456789ABCDEFGHJKMI'"),
        ("requests_state_check", "state = 'GRANTED'"),
        ("requests_requester_identity_check", "requester_identity = ''"),
        ("requests_provider_check", "provider = ''"),
        ("requests_role_check", "role = ''"),
        ("requests_duration_seconds_check", "duration_seconds = 0"),
        ("requests_metadata_check", #"metadata = '{"ticket": 7}'"#),
        ("requests_approver_tier_check", "approver_tier = 'robot'"),
        ("requests_required_approvals_check", "required_approvals = 0"),
        ("requests_active_has_times", "state = 'ACTIVE', issued_at = now()"),
        ("requests_credentials_only_while_active", "credentials_json = '{}'"),
    ]

    /// Each rule of `audit_pending`, and a staged event that breaks that rule alone.
    static let stagedBreaks: [(rule: String, values: String)] = [
        ("audit_pending_actor_check", "'', 'request.created', NULL, 'success'"),
        ("audit_pending_action_check", "'alice@example.com', 'Request.Created', NULL, 'success'"),
        ("audit_pending_request_id_check", "'alice@example.com', 'request.created', '', 'success'"),
        ("audit_pending_outcome_check", "'alice@example.com', 'request.created', NULL, 'maybe'"),
    ]

    /// The error a statement raised, as (SQLSTATE, constraint, table, message); nil when it succeeded.
    static func refusal(_ sql: String, on database: Database) async throws -> [String?]? {
        do {
            // The driver's own error (jitsudo's `Database` turns it into a `StoreError` that names no constraint).
            for try await _ in try await database.connections.query(PostgresQueryText(sql).query, logger: database.logger) {}
            return nil
        } catch let error as PSQLError {
            let info = try #require(error.serverInfo, "\(error)")
            return [info[.sqlState], info[.constraintName], info[.tableName], info[.message]]
        }
    }

    @Test func everyRuleOfARequestIsRefusedUnderItsOwnName() async throws {
        try await withTestDatabase { test in
            #expect(try await Self.refusal(Self.validRequest, on: test.database) == nil)
            #expect(Self.requestBreaks.map(\.rule).sorted() == RowRules.requests.rules.map(\.name).sorted(), "one break per rule")
            for (rule, set) in Self.requestBreaks {
                let refused = try await Self.refusal("UPDATE requests SET \(set)", on: test.database)
                #expect(
                    refused == ["23514", rule, "requests", "new row for relation \"requests\" violates check constraint \"\(rule)\""],
                    "\(set)")
            }
            // The row kept every value: each refusal changed nothing.
            let rows = try await test.database.query(
                PostgresQueryText("SELECT state || ' ' || duration_seconds || ' ' || metadata::text FROM requests").query)
            var kept: [String] = []
            for try await row in rows.decode(String.self) { kept.append(row) }
            #expect(kept == ["PENDING 3600 {}"])
            // A row that keeps every rule is written, ACTIVE with its times and credentials included.
            #expect(
                try await Self.refusal(
                    "UPDATE requests SET state = 'ACTIVE', issued_at = now(), expires_at = now(), credentials_json = '{}'", on: test.database)
                    == nil)
        }
    }

    @Test func aNewRequestIsHeldToTheSameRules() async throws {
        try await withTestDatabase { test in
            let refused = try await Self.refusal(
                """
                INSERT INTO requests (id, state, requester_identity, provider, role, duration_seconds)
                VALUES ('req_01JQ0123456789ABCDEFGHJKMN', 'PENDING', 'alice@example.com', '', 'admin', 3600)
                """, on: test.database)
            #expect(refused?.prefix(2) == ["23514", "requests_provider_check"])
        }
    }

    @Test func everyRuleOfAStagedEventIsRefusedUnderItsOwnName() async throws {
        try await withTestDatabase { test in
            let insert = "INSERT INTO audit_pending (actor_identity, action, request_id, outcome, provider, resource_scope, details_json) VALUES "
            #expect(
                try await Self.refusal(insert + "('alice@example.com', 'request.created', NULL, 'success', '', '', '{}')", on: test.database) == nil)
            #expect(Self.stagedBreaks.map(\.rule).sorted() == RowRules.auditPending.rules.map(\.name).sorted(), "one break per rule")
            for (rule, values) in Self.stagedBreaks {
                let refused = try await Self.refusal(insert + "(\(values), '', '', '{}')", on: test.database)
                #expect(
                    refused == ["23514", rule, "audit_pending", "new row for relation \"audit_pending\" violates check constraint \"\(rule)\""],
                    "\(values)")
            }
        }
    }

    /// Each table has its one rules check, validated, and none of the old single-column checks.
    @Test func theTablesCarryOneValidatedRulesCheck() async throws {
        try await withTestDatabase { test in
            let rows = try await test.database.query(
                PostgresQueryText(
                    """
                    SELECT conrelid::regclass::text || ' ' || conname || ' ' || convalidated FROM pg_constraint
                    WHERE contype = 'c' AND conrelid IN ('requests'::regclass, 'audit_pending'::regclass) ORDER BY 1
                    """
                ).query)
            var checks: [String] = []
            for try await row in rows.decode(String.self) { checks.append(row) }
            #expect(checks == ["audit_pending audit_pending_rules true", "requests requests_rules true"])
        }
    }
}
