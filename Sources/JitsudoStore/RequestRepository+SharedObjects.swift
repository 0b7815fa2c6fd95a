public import JitsudoCore
import Foundation
import PostgresNIO

extension RequestRepository {
    /// One grant that held (or holds) a provider object named by its revoke token.
    public struct TokenHolder: Sendable, Hashable {
        public var revokeToken: String
        public var requestID: String
        public var state: RequestState
        public var expiresAt: AuditTimestamp?

        public init(revokeToken: String, requestID: String, state: RequestState, expiresAt: AuditTimestamp?) {
            self.revokeToken = revokeToken
            self.requestID = requestID
            self.state = state
            self.expiresAt = expiresAt
        }
    }

    /// Every grant of `provider` whose revoke token starts with `tokenPrefix`, newest first: what the drift pass of a
    /// provider with shared objects needs to tell the objects jitsudo made (and who still holds them) from the rest.
    public func tokenHolders(provider: String, tokenPrefix: String) async throws -> [TokenHolder] {
        let pattern =
            tokenPrefix.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
        let rows = try await database.query(
            """
            SELECT revoke_token, id, state, \(unescaped: SQL.micros("expires_at")) FROM requests
            WHERE provider = \(provider) AND revoke_token LIKE \(pattern)
            ORDER BY created_at DESC, id DESC
            """
        )
        var holders: [TokenHolder] = []
        for try await (token, id, state, expiresAt) in rows.decode((String, String, String, Int64?).self) {
            guard let state = RequestState(rawValue: state) else { throw StoreError(.integrity, "request \(id) has unknown state '\(state)'") }
            holders.append(
                TokenHolder(revokeToken: token, requestID: id, state: state, expiresAt: expiresAt.map(AuditTimestamp.init(microsecondsSinceEpoch:))))
        }
        return holders
    }

    /// Whether a grant of `provider` is being issued (`APPROVED`): its object may exist before its token is stored.
    public func isIssuing(provider: String) async throws -> Bool {
        let rows = try await database.query("SELECT EXISTS (SELECT 1 FROM requests WHERE state = 'APPROVED' AND provider = \(provider))")
        for try await value in rows.decode(Bool.self) { return value }
        return false
    }
}
