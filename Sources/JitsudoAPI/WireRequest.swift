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

extension WireRequest: JSONTextEncodable {
    public func write(to text: inout JSONText) {
        text.beginObject()
        text.member("aiReasoningJson", aiReasoningJson)
        text.member("approvals", approvals)
        text.member("approverComment", approverComment)
        text.member("approverIdentity", approverIdentity)
        text.member("approverTier", approverTier)
        text.member("breakGlass", breakGlass)
        text.member("createdAt", createdAt)
        text.member("durationSeconds", durationSeconds)
        text.member("expiresAt", expiresAt)
        text.member("id", id)
        text.member("issuedAt", issuedAt)
        text.member("metadata", metadata)
        text.member("provider", provider)
        text.member("reason", reason)
        text.member("requesterIdentity", requesterIdentity)
        text.member("requiredApprovals", requiredApprovals)
        text.member("resourceScope", resourceScope)
        text.member("revocationError", revocationError)
        text.member("revocationPending", revocationPending)
        text.member("revokeReason", revokeReason)
        text.member("revokedBy", revokedBy)
        text.member("role", role)
        text.member("state", state)
        text.member("updatedAt", updatedAt)
        text.endObject()
    }
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

extension WireApproval: JSONTextEncodable {
    public func write(to text: inout JSONText) {
        text.beginObject()
        text.member("approverIdentity", approverIdentity)
        text.member("comment", comment)
        text.member("createdAt", createdAt)
        text.endObject()
    }
}

/// `{"request": …}`
public struct RequestEnvelope: Codable, Sendable, Hashable, JSONTextEncodable {
    public var request: WireRequest
    public init(request: WireRequest) { self.request = request }

    public func write(to text: inout JSONText) {
        text.beginObject()
        text.member("request", request)
        text.endObject()
    }
}

/// `{"requests": […], "nextPageToken": ""}`
public struct RequestList: Codable, Sendable, Hashable, JSONTextEncodable {
    public var requests: [WireRequest]
    public var nextPageToken: String
    public init(requests: [WireRequest], nextPageToken: String) {
        self.requests = requests
        self.nextPageToken = nextPageToken
    }

    public func write(to text: inout JSONText) {
        text.beginObject()
        text.member("nextPageToken", nextPageToken)
        text.member("requests", requests)
        text.endObject()
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
