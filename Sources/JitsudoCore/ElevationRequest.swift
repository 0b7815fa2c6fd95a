/// One elevation request as stored (`schema.md` §1.1 plus the additions).
public struct ElevationRequest: Sendable, Hashable {
    public var id: RequestID
    public var state: RequestState
    public var requesterIdentity: String
    public var provider: String
    public var role: String
    public var resourceScope: String
    public var durationSeconds: Int64
    public var reason: String
    public var breakGlass: Bool
    /// Free-form provider parameters, string → string.
    public var metadata: [String: String]
    public var approverTier: ApproverTier
    public var requiredApprovals: Int
    public var approverIdentity: String?
    public var approverComment: String?
    public var aiReasoningJSON: String?
    public var issuedAt: AuditTimestamp?
    public var expiresAt: AuditTimestamp?
    public var revokeToken: String?
    public var revokedBy: String?
    public var revokeReason: String?
    public var createdAt: AuditTimestamp
    public var updatedAt: AuditTimestamp

    public init(
        id: RequestID,
        state: RequestState = .pending,
        requesterIdentity: String,
        provider: String,
        role: String,
        resourceScope: String = "",
        durationSeconds: Int64,
        reason: String = "",
        breakGlass: Bool = false,
        metadata: [String: String] = [:],
        approverTier: ApproverTier = .human,
        requiredApprovals: Int = 1,
        approverIdentity: String? = nil,
        approverComment: String? = nil,
        aiReasoningJSON: String? = nil,
        issuedAt: AuditTimestamp? = nil,
        expiresAt: AuditTimestamp? = nil,
        revokeToken: String? = nil,
        revokedBy: String? = nil,
        revokeReason: String? = nil,
        createdAt: AuditTimestamp,
        updatedAt: AuditTimestamp
    ) {
        self.id = id
        self.state = state
        self.requesterIdentity = requesterIdentity
        self.provider = provider
        self.role = role
        self.resourceScope = resourceScope
        self.durationSeconds = durationSeconds
        self.reason = reason
        self.breakGlass = breakGlass
        self.metadata = metadata
        self.approverTier = approverTier
        self.requiredApprovals = requiredApprovals
        self.approverIdentity = approverIdentity
        self.approverComment = approverComment
        self.aiReasoningJSON = aiReasoningJSON
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.revokeToken = revokeToken
        self.revokedBy = revokedBy
        self.revokeReason = revokeReason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Checks the fields a requester supplies, naming the first bad one.
    ///
    /// - Throws: ``CoreError`` `invalidArgument`.
    public static func validateSubmission(
        provider: String,
        role: String,
        durationSeconds: Int64,
        metadata: [String: String]
    ) throws(CoreError) {
        guard !provider.isEmpty else { throw CoreError(.invalidArgument, "provider is required", context: ["field": "provider"]) }
        guard !role.isEmpty else { throw CoreError(.invalidArgument, "role is required", context: ["field": "role"]) }
        guard durationSeconds > 0, durationSeconds <= GrantDuration.maximum.seconds else {
            throw CoreError(
                .invalidArgument,
                "duration_seconds must be between 1 and \(GrantDuration.maximum.seconds), got \(durationSeconds)",
                context: ["field": "duration_seconds"]
            )
        }
        guard metadata.count <= 64 else {
            throw CoreError(.invalidArgument, "metadata may hold at most 64 entries", context: ["field": "metadata"])
        }
    }
}

/// How a request is routed for approval (`policies.md` §4).
public enum ApproverTier: String, Sendable, Hashable, CaseIterable {
    case auto
    case aiReview = "ai_review"
    case human
}
