public import JitsudoCore
public import JitsudoStore

/// Which shared provider objects (one object held by several grants, see ``CredentialProvider/sharesObject(revokeToken:)``)
/// jitsudo made and who still holds them: the pure decision of the drift pass for such objects. An object counts as
/// jitsudo's only when some grant of this provider once had its revoke token, so standing access made by people is
/// never touched.
public struct SharedObjectLedger: Sendable, Hashable {
    /// Revoke token → the newest grant that had it.
    public let lastHolder: [String: String]
    /// Revoke tokens an ACTIVE grant holds before its expiry.
    public let held: Set<String>
    /// A grant of this provider is being issued: its object may already exist without a stored token, so nothing is
    /// removed this round.
    public let issuing: Bool

    public init(holders: [RequestRepository.TokenHolder], issuing: Bool, now: AuditTimestamp) {
        var lastHolder: [String: String] = [:]
        var held: Set<String> = []
        for holder in holders {
            if lastHolder[holder.revokeToken] == nil { lastHolder[holder.revokeToken] = holder.requestID }
            let ended = holder.expiresAt.map { end in end.microseconds <= now.microseconds } ?? false
            if holder.state == .active, !ended {
                held.insert(holder.revokeToken)
            }
        }
        self.lastHolder = lastHolder
        self.held = held
        self.issuing = issuing
    }

    /// Every revoke token jitsudo's grants ever had.
    public var tokens: [String] { lastHolder.keys.sorted() }

    /// Why the object named `revokeToken` goes (`grant_not_active`), or nil when it stays: not jitsudo's, still held,
    /// or a grant is being issued.
    public func reasonToRemove(_ revokeToken: String) -> String? {
        guard !issuing, lastHolder[revokeToken] != nil, !held.contains(revokeToken) else { return nil }
        return "grant_not_active"
    }
}
