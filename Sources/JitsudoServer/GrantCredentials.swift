public import JitsudoCore

/// The credentials of an ACTIVE grant as its requester reads them: environment variable → value, and the window
/// they are valid in.
public struct GrantCredentials: Sendable {
    public var requestID: RequestID
    public var values: [String: String]
    public var issuedAt: AuditTimestamp
    public var expiresAt: AuditTimestamp

    public init(requestID: RequestID, values: [String: String], issuedAt: AuditTimestamp, expiresAt: AuditTimestamp) {
        self.requestID = requestID
        self.values = values
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }

    /// The values by variable name.
    public var sorted: [(name: String, value: String)] { values.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) } }
}
