import Foundation
public import JitsudoCore
public import JitsudoStore
import PostgresNIO

/// The `mock` provider for development and tests. It records every grant and revoke durably in
/// `mock_provider_ledger` (one row per request and operation, with a call count), so tests in other
/// processes can count them, and it fails on command through `mock_provider_faults`.
public struct MockProvider: CredentialProvider {
    public let name = "mock"
    public let database: Database
    /// The longest grant it issues; longer requests are shortened to this.
    public let maximumDurationSeconds: Int64

    public init(database: Database, maximumDurationSeconds: Int64 = 12 * 3600) {
        self.database = database
        self.maximumDurationSeconds = maximumDurationSeconds
    }

    public var summary: String { "mock provider (durable ledger, fault injection)" }

    public func validate(_ request: GrantRequest) throws(ProviderError) {
        guard !request.role.isEmpty, request.role.count <= 256 else {
            throw ProviderError(.invalidRequest, "role must be 1-256 characters for the mock provider")
        }
        guard request.resourceScope.count <= 256 else { throw ProviderError(.invalidRequest, "resource_scope is longer than 256 characters") }
    }

    public func grant(_ request: GrantRequest) async throws(ProviderError) -> IssuedGrant {
        try await record(.init(operation: "grant", requestID: request.requestID, role: request.role, resourceScope: request.resourceScope))
        let token = "mock-" + Hashing.sha256Hex("session:" + request.requestID).prefix(24)
        return IssuedGrant(
            credentials: [
                "MOCK_ACCESS_KEY": "MOCK" + Hashing.sha256Hex("key:" + request.requestID).prefix(16).uppercased(),
                "MOCK_SESSION_TOKEN": String(token),
            ],
            durationSeconds: min(request.durationSeconds, maximumDurationSeconds),
            revokeToken: "mock-revoke:" + request.requestID
        )
    }

    public func revoke(requestID: String, revokeToken: String?) async throws(ProviderError) {
        try await record(.init(operation: "revoke", requestID: requestID, role: "", resourceScope: ""))
    }

    /// Makes `operation` (`grant` or `revoke`) fail for `percent` % of request ids (chosen by hash, so the same
    /// requests keep failing) until `until`, or for all when `percent` is 100.
    public static func injectFault(_ database: Database, operation: String, percent: Int, until: AuditTimestamp?) async throws {
        try await database.query(
            """
            INSERT INTO mock_provider_faults (operation, percent, until)
            VALUES (\(operation), \(percent), timestamptz 'epoch' + (\(until?.microseconds) * interval '1 microsecond'))
            ON CONFLICT (operation) DO UPDATE SET percent = EXCLUDED.percent, until = EXCLUDED.until
            """
        )
    }

    /// Removes every injected fault.
    public static func clearFaults(_ database: Database) async throws {
        try await database.query("DELETE FROM mock_provider_faults")
    }

    /// Records `call` in the ledger unless an injected fault makes it fail: one statement (prepared once per
    /// connection) reads the fault and writes the ledger row only when the request's bucket is outside it.
    private func record(_ call: LedgerCall) async throws(ProviderError) {
        let recorded: Bool
        do {
            var found = false
            for try await value in try await database.connections.execute(call, logger: database.logger) { found = value }
            recorded = found
        } catch {
            throw ProviderError(.unavailable, "mock provider ledger unavailable: \(error)")
        }
        guard recorded else { throw ProviderError(.unavailable, "mock provider: injected \(call.operation) failure") }
    }

    /// A grant or revoke, recorded unless a fault is injected for `operation` whose percent exceeds the request's
    /// bucket (0-99, from a hash of its id: the same requests keep failing). Answers whether it was recorded.
    struct LedgerCall: PostgresPreparedStatement {
        static let name = "jitsudo_mock_ledger_call_v1"
        static let sql = """
            WITH recorded AS (
                INSERT INTO mock_provider_ledger (request_id, operation, role, resource_scope)
                SELECT $2, $1, $3, $4
                WHERE NOT EXISTS (
                    SELECT 1 FROM mock_provider_faults
                    WHERE operation = $1 AND (until IS NULL OR until > now()) AND percent > $5
                )
                ON CONFLICT (request_id, operation) DO UPDATE SET calls = mock_provider_ledger.calls + 1, last_call_at = now()
                RETURNING 1
            )
            SELECT EXISTS (SELECT 1 FROM recorded)
            """
        static let bindingDataTypes: [PostgresDataType] = [.text, .text, .text, .text, .int8]

        let operation: String
        let requestID: String
        let role: String
        let resourceScope: String

        /// The request's fault bucket, 0-99.
        var bucket: Int64 { Int64(Hashing.sha256Hex(requestID).prefix(8), radix: 16).map { $0 % 100 } ?? 0 }

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: Self.bindingDataTypes.count)
            bindings.append(operation)
            bindings.append(requestID)
            bindings.append(role)
            bindings.append(resourceScope)
            bindings.append(bucket)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Bool { try row.decode(Bool.self) }
    }
}
