public import JitsudoCore

/// What revoking every ACTIVE grant of one identity did: the grants revoked, and each one that failed with why.
public struct BulkRevocation: Sendable {
    public var revoked: [RequestRecord]
    public var failed: [Failure]

    /// A grant that could not be revoked.
    public struct Failure: Sendable, Hashable {
        public var id: RequestID
        public var message: String

        public init(id: RequestID, message: String) {
            self.id = id
            self.message = message
        }
    }

    public init(revoked: [RequestRecord] = [], failed: [Failure] = []) {
        self.revoked = revoked
        self.failed = failed
    }
}
