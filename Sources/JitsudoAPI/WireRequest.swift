public import JitsudoCore

/// `ElevationRequest` as the API writes it (`api.md` §4.1 and Additions): lowerCamelCase, every member
/// present, 64-bit integers as decimal strings, unset timestamps as `null`.
public struct WireRequest: Codable, Sendable, Hashable {
    public var id: String
    public var state: String
    public var requesterIdentity: String
    public var provider: String
    public var role: String
    public var resourceScope: String
    public var durationSeconds: String
    public var reason: String
    public var breakGlass: Bool
    public var metadata: [String: String]
    public var createdAt: String
    public var updatedAt: String
    public var approverIdentity: String
    public var approverComment: String
    public var expiresAt: String?
    public var approverTier: String
    public var aiReasoningJson: String
    public var issuedAt: String?
    public var revokedBy: String
    public var revokeReason: String
    public var requiredApprovals: Int
    public var approvals: [WireApproval]
    public var revocationPending: Bool
    public var revocationError: String

    public init(_ request: ElevationRequest, approvals: [WireApproval] = [], revocationPending: Bool = false, revocationError: String = "") {
        id = request.id.rawValue
        state = request.state.apiName
        requesterIdentity = request.requesterIdentity
        provider = request.provider
        role = request.role
        resourceScope = request.resourceScope
        durationSeconds = String(request.durationSeconds)
        reason = request.reason
        breakGlass = request.breakGlass
        metadata = request.metadata
        createdAt = request.createdAt.canonicalText
        updatedAt = request.updatedAt.canonicalText
        approverIdentity = request.approverIdentity ?? ""
        approverComment = request.approverComment ?? ""
        expiresAt = request.expiresAt?.canonicalText
        approverTier = request.approverTier.rawValue
        aiReasoningJson = request.aiReasoningJSON ?? ""
        issuedAt = request.issuedAt?.canonicalText
        revokedBy = request.revokedBy ?? ""
        revokeReason = request.revokeReason ?? ""
        requiredApprovals = request.requiredApprovals
        self.approvals = approvals
        self.revocationPending = revocationPending
        self.revocationError = revocationError
    }

    enum CodingKeys: String, CodingKey {
        case id, state, requesterIdentity, provider, role, resourceScope, durationSeconds, reason, breakGlass, metadata, createdAt,
            updatedAt, approverIdentity, approverComment, expiresAt, approverTier, aiReasoningJson, issuedAt, revokedBy, revokeReason,
            requiredApprovals, approvals, revocationPending, revocationError
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(state, forKey: .state)
        try container.encode(requesterIdentity, forKey: .requesterIdentity)
        try container.encode(provider, forKey: .provider)
        try container.encode(role, forKey: .role)
        try container.encode(resourceScope, forKey: .resourceScope)
        try container.encode(durationSeconds, forKey: .durationSeconds)
        try container.encode(reason, forKey: .reason)
        try container.encode(breakGlass, forKey: .breakGlass)
        try container.encode(metadata, forKey: .metadata)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(approverIdentity, forKey: .approverIdentity)
        try container.encode(approverComment, forKey: .approverComment)
        try container.encode(expiresAt, forKey: .expiresAt)
        try container.encode(approverTier, forKey: .approverTier)
        try container.encode(aiReasoningJson, forKey: .aiReasoningJson)
        try container.encode(issuedAt, forKey: .issuedAt)
        try container.encode(revokedBy, forKey: .revokedBy)
        try container.encode(revokeReason, forKey: .revokeReason)
        try container.encode(requiredApprovals, forKey: .requiredApprovals)
        try container.encode(approvals, forKey: .approvals)
        try container.encode(revocationPending, forKey: .revocationPending)
        try container.encode(revocationError, forKey: .revocationError)
    }

    /// The short state name (`ACTIVE`) of ``state``.
    public var shortState: String { state.hasPrefix("REQUEST_STATE_") ? String(state.dropFirst(14)) : state }
}

/// One recorded approval.
public struct WireApproval: Codable, Sendable, Hashable {
    public var approverIdentity: String
    public var comment: String
    public var createdAt: String

    public init(approverIdentity: String, comment: String, createdAt: String) {
        self.approverIdentity = approverIdentity
        self.comment = comment
        self.createdAt = createdAt
    }
}

/// `{"request": …}`
public struct RequestEnvelope: Codable, Sendable, Hashable {
    public var request: WireRequest
    public init(request: WireRequest) { self.request = request }
}

/// `{"requests": […], "nextPageToken": ""}`
public struct RequestList: Codable, Sendable, Hashable {
    public var requests: [WireRequest]
    public var nextPageToken: String
    public init(requests: [WireRequest], nextPageToken: String) {
        self.requests = requests
        self.nextPageToken = nextPageToken
    }
}

/// `{"revoked": […], "failed": [{"id", "message"}]}` of `POST /requests:revoke`.
public struct BulkRevokeResult: Codable, Sendable, Hashable {
    public var revoked: [WireRequest]
    public var failed: [Failure]
    public struct Failure: Codable, Sendable, Hashable {
        public var id: String
        public var message: String
        public init(id: String, message: String) {
            self.id = id
            self.message = message
        }
    }
    public init(revoked: [WireRequest], failed: [Failure]) {
        self.revoked = revoked
        self.failed = failed
    }
}

/// `ElevationGrant`: credentials as environment variables, sorted by name.
public struct WireGrant: Codable, Sendable, Hashable {
    public var requestId: String
    public var credentials: [Credential]
    public var issuedAt: String
    public var expiresAt: String
    public struct Credential: Codable, Sendable, Hashable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }
    public init(requestId: String, credentials: [Credential], issuedAt: String, expiresAt: String) {
        self.requestId = requestId
        self.credentials = credentials
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }
}

/// `{"grant": …}`
public struct GrantEnvelope: Codable, Sendable, Hashable {
    public var grant: WireGrant
    public init(grant: WireGrant) { self.grant = grant }
}
