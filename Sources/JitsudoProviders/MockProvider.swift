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
        try await failIfInjected("grant", requestID: request.requestID)
        do {
            try await database.query(
                """
                INSERT INTO mock_provider_ledger (request_id, operation, role, resource_scope) VALUES
                    (\(request.requestID), 'grant', \(request.role), \(request.resourceScope))
                ON CONFLICT (request_id, operation) DO UPDATE SET calls = mock_provider_ledger.calls + 1, last_call_at = now()
                """
            )
        } catch {
            throw ProviderError(.unavailable, "mock provider ledger unavailable: \(error)")
        }
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
        try await failIfInjected("revoke", requestID: requestID)
        do {
            try await database.query(
                """
                INSERT INTO mock_provider_ledger (request_id, operation) VALUES (\(requestID), 'revoke')
                ON CONFLICT (request_id, operation) DO UPDATE SET calls = mock_provider_ledger.calls + 1, last_call_at = now()
                """
            )
        } catch {
            throw ProviderError(.unavailable, "mock provider ledger unavailable: \(error)")
        }
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

    private func failIfInjected(_ operation: String, requestID: String) async throws(ProviderError) {
        let percent: Int
        do {
            let rows = try await database.query(
                """
                SELECT percent FROM mock_provider_faults
                WHERE operation = \(operation) AND (until IS NULL OR until > now())
                """
            )
            var found = 0
            for try await value in rows.decode(Int.self) { found = value }
            percent = found
        } catch {
            throw ProviderError(.unavailable, "mock provider ledger unavailable: \(error)")
        }
        guard percent > 0 else { return }
        let bucket = Int(Hashing.sha256Hex(requestID).prefix(8), radix: 16).map { $0 % 100 } ?? 0
        if bucket < percent {
            throw ProviderError(.unavailable, "mock provider: injected \(operation) failure")
        }
    }
}
