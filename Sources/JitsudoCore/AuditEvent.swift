/// One row of the tamper-evident audit log (`audit.md` §1).
public struct AuditEvent: Sendable, Hashable {
    /// 1 for the first event, then +1 per event, no gaps.
    public var id: Int64
    /// Database time at append, microseconds, UTC.
    public var timestamp: AuditTimestamp
    /// Email of the caller, `system`, or the MCP identity.
    public var actorIdentity: String
    /// `<noun>.<verb>`, see ``AuditAction``.
    public var action: String
    /// The request concerned; nil is hashed as the empty string.
    public var requestID: String?
    public var provider: String
    public var resourceScope: String
    /// `success` or `failure`.
    public var outcome: AuditOutcome
    /// JSON object text, hashed byte for byte.
    public var detailsJSON: String
    /// Hash of event `id - 1`; empty for event 1.
    public var prevHash: String
    /// 64 lower-case hex digits (``AuditChain/hash(of:)``).
    public var hash: String

    public init(
        id: Int64,
        timestamp: AuditTimestamp,
        actorIdentity: String,
        action: String,
        requestID: String?,
        provider: String,
        resourceScope: String,
        outcome: AuditOutcome,
        detailsJSON: String,
        prevHash: String,
        hash: String
    ) {
        self.id = id
        self.timestamp = timestamp
        self.actorIdentity = actorIdentity
        self.action = action
        self.requestID = requestID
        self.provider = provider
        self.resourceScope = resourceScope
        self.outcome = outcome
        self.detailsJSON = detailsJSON
        self.prevHash = prevHash
        self.hash = hash
    }
}

/// The outcome column of an audit event.
public enum AuditOutcome: String, Sendable, Hashable, CaseIterable {
    case success
    case failure
}

/// What a caller records; the appender fills in id, timestamp and the hashes.
public struct AuditDraft: Sendable, Hashable {
    public var actorIdentity: String
    public var action: String
    public var requestID: String?
    public var provider: String
    public var resourceScope: String
    public var outcome: AuditOutcome
    /// JSON object text without insignificant whitespace (see ``AuditDetails``).
    public var detailsJSON: String
    /// Whether `detailsJSON` is text kept exactly as received (an MCP reasoning object), which nothing may add to.
    public var detailsVerbatim = false

    public init(
        actor: String,
        action: String,
        requestID: String? = nil,
        provider: String = "",
        resourceScope: String = "",
        outcome: AuditOutcome = .success,
        details: AuditDetails = AuditDetails()
    ) {
        self.actorIdentity = actor
        self.action = action
        self.requestID = requestID
        self.provider = provider
        self.resourceScope = resourceScope
        self.outcome = outcome
        self.detailsJSON = details.jsonText
    }
}
