/// The bodies of the request commands (`api.md` §5), one type shared by both ends: the CLI encodes them (lowerCamelCase
/// members), the server reads them with ``RequestFields`` (either spelling, 64-bit integers as numbers or decimal
/// strings) through `init(_:)`, which holds the contract's rules and limits. Every failure names the field.

/// `POST /requests`.
public struct CreateRequestBody: Codable, Sendable, Hashable {
    public var provider: String
    public var role: String
    public var resourceScope: String
    public var durationSeconds: Int64
    public var reason: String
    public var breakGlass: Bool
    public var metadata: [String: String]

    public init(
        provider: String, role: String, resourceScope: String, durationSeconds: Int64, reason: String, breakGlass: Bool = false,
        metadata: [String: String] = [:]
    ) {
        self.provider = provider
        self.role = role
        self.resourceScope = resourceScope
        self.durationSeconds = durationSeconds
        self.reason = reason
        self.breakGlass = breakGlass
        self.metadata = metadata
    }

    public init(_ fields: RequestFields) throws(APIError) {
        provider = try fields.string("provider", required: true, maxLength: 64) ?? ""
        role = try fields.string("role", required: true, maxLength: 256) ?? ""
        resourceScope = try fields.string("resourceScope", maxLength: 512) ?? ""
        durationSeconds = try fields.int64("durationSeconds") ?? 0
        reason = try fields.string("reason", maxLength: 2_048) ?? ""
        breakGlass = try fields.bool("breakGlass") ?? false
        metadata = try fields.stringMap("metadata") ?? [:]
        guard durationSeconds > 0 else { throw APIError.invalidArgument("duration_seconds must be greater than 0") }
    }
}

/// `POST /requests/{id}/approve`.
public struct ApproveBody: Codable, Sendable, Hashable {
    public var comment: String

    public init(comment: String) { self.comment = comment }

    public init(_ fields: RequestFields) throws(APIError) { comment = try fields.string("comment") ?? "" }
}

/// `POST /requests/{id}/deny` (a reason is required) and `POST /requests/{id}/revoke` (optional).
public struct ReasonBody: Codable, Sendable, Hashable {
    public var reason: String

    public init(reason: String) { self.reason = reason }

    public init(_ fields: RequestFields, required: Bool) throws(APIError) { reason = try fields.string("reason", required: required) ?? "" }
}

/// `POST /requests/{id}/extend`.
public struct ExtendBody: Codable, Sendable, Hashable {
    /// Seconds added to the grant.
    public var durationSeconds: Int64
    public var reason: String

    public init(durationSeconds: Int64, reason: String) {
        self.durationSeconds = durationSeconds
        self.reason = reason
    }

    public init(_ fields: RequestFields) throws(APIError) {
        guard let added = try fields.int64("durationSeconds") else { throw APIError.invalidArgument("duration_seconds is required") }
        durationSeconds = added
        reason = try fields.string("reason") ?? ""
    }
}

/// `POST /requests:revoke`: every ACTIVE grant of one person.
public struct BulkRevokeBody: Codable, Sendable, Hashable {
    public var requesterIdentity: String
    public var reason: String

    public init(requesterIdentity: String, reason: String) {
        self.requesterIdentity = requesterIdentity
        self.reason = reason
    }

    public init(_ fields: RequestFields) throws(APIError) {
        requesterIdentity = try fields.string("requesterIdentity", required: true) ?? ""
        reason = try fields.string("reason") ?? ""
    }
}

/// `PUT /principals/{identity}/trust-tier`.
public struct TrustTierBody: Codable, Sendable, Hashable {
    public var trustTier: Int64
    public var notes: String

    public init(trustTier: Int64, notes: String) {
        self.trustTier = trustTier
        self.notes = notes
    }

    public init(_ fields: RequestFields) throws(APIError) {
        guard let tier = try fields.int64("trustTier") else { throw APIError.invalidArgument("trust_tier is required (0–4)") }
        guard (0...4).contains(tier) else { throw APIError.invalidArgument("trust_tier must be 0–4, got \(tier)") }
        trustTier = tier
        notes = try fields.string("notes") ?? ""
    }
}
