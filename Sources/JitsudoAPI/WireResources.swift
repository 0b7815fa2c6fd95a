public import JitsudoCore

/// `Policy` (`api.md` §4.3).
public struct WirePolicy: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var type: String
    public var rego: String
    public var description: String
    public var enabled: Bool
    public var createdAt: String
    public var updatedAt: String
    public var updatedBy: String

    public init(_ policy: Policy) {
        id = policy.id.rawValue
        name = policy.name
        type = "POLICY_TYPE_\(policy.type.rawValue)"
        rego = policy.rego
        description = policy.description
        enabled = policy.enabled
        createdAt = policy.createdAt.canonicalText
        updatedAt = policy.updatedAt.canonicalText
        updatedBy = policy.updatedBy
    }

    /// `eligibility` or `approval`.
    public var shortType: String { type.hasPrefix("POLICY_TYPE_") ? String(type.dropFirst(12)).lowercased() : type.lowercased() }
}

public struct PolicyEnvelope: Codable, Sendable, Hashable {
    public var policy: WirePolicy
    public init(policy: WirePolicy) { self.policy = policy }
}

public struct PolicyList: Codable, Sendable, Hashable {
    public var policies: [WirePolicy]
    public init(policies: [WirePolicy]) { self.policies = policies }
}

/// `{"allowed", "reason", "resultJson"}` of `policies:eval`.
public struct PolicyEvalResult: Codable, Sendable, Hashable {
    public var allowed: Bool
    public var reason: String
    public var resultJson: String
    public init(allowed: Bool, reason: String, resultJson: String) {
        self.allowed = allowed
        self.reason = reason
        self.resultJson = resultJson
    }
}

/// `{"policiesLoaded": n}`
public struct ReloadResult: Codable, Sendable, Hashable {
    public var policiesLoaded: Int
    public init(policiesLoaded: Int) { self.policiesLoaded = policiesLoaded }
}

/// `AuditEvent` (`api.md` §4.4).
public struct WireAuditEvent: Codable, Sendable, Hashable {
    public var id: String
    public var timestamp: String
    public var actorIdentity: String
    public var action: String
    public var requestId: String
    public var provider: String
    public var resourceScope: String
    public var outcome: String
    public var detailsJson: String
    public var prevHash: String
    public var hash: String

    public init(_ event: AuditEvent) {
        id = String(event.id)
        timestamp = event.timestamp.canonicalText
        actorIdentity = event.actorIdentity
        action = event.action
        requestId = event.requestID ?? ""
        provider = event.provider
        resourceScope = event.resourceScope
        outcome = event.outcome.rawValue
        detailsJson = event.detailsJSON
        prevHash = event.prevHash
        hash = event.hash
    }
}

public struct AuditList: Codable, Sendable, Hashable {
    public var events: [WireAuditEvent]
    public var nextPageToken: String
    public init(events: [WireAuditEvent], nextPageToken: String) {
        self.events = events
        self.nextPageToken = nextPageToken
    }
}

/// The body of `audit:verify` (`audit.md` §4).
public struct WireVerification: Codable, Sendable, Hashable {
    public var intact: Bool
    public var eventsVerified: String
    public var firstEventId: String
    public var lastEventId: String
    public var brokenAtEventId: String
    public var problem: String
    /// Events recorded but not yet sequenced into the chain when it was read (absent from older servers).
    public var unsequencedEvents: String?

    public init(_ result: VerificationResult) {
        intact = result.intact
        unsequencedEvents = String(result.unsequencedEvents)
        eventsVerified = String(result.eventsVerified)
        firstEventId = String(result.firstEventID)
        lastEventId = String(result.lastEventID)
        brokenAtEventId = result.brokenAtEventID.map { String($0) } ?? ""
        problem = result.problem
    }
}

/// `Principal` (`api.md` §4.5).
public struct WirePrincipal: Codable, Sendable, Hashable {
    public var identity: String
    public var trustTier: Int
    public var enrolledBy: String
    public var enrolledAt: String
    public var lastSeenAt: String
    public var notes: String

    public init(_ principal: Principal) {
        identity = principal.identity
        trustTier = principal.trustTier
        enrolledBy = principal.enrolledBy
        enrolledAt = principal.enrolledAt.canonicalText
        lastSeenAt = principal.lastSeenAt.canonicalText
        notes = principal.notes
    }
}

public struct PrincipalEnvelope: Codable, Sendable, Hashable {
    public var principal: WirePrincipal
    public init(principal: WirePrincipal) { self.principal = principal }
}

/// `GET /version` (snake_case, as in the original).
public struct VersionInfo: Codable, Sendable, Hashable {
    public var version: String
    public var apiVersions: [String]
    enum CodingKeys: String, CodingKey {
        case version
        case apiVersions = "api_versions"
    }
    public init(version: String, apiVersions: [String]) {
        self.version = version
        self.apiVersions = apiVersions
    }
}

/// `GET /readyz` (Additions): status, leadership and the individual checks.
public struct Readiness: Codable, Sendable, Hashable {
    public var status: String
    public var role: String
    public var epoch: Int64
    public var heartbeatAgeMs: Int64
    public var checks: [String: String]
    /// Every replica that reported within the last five minutes (addition; absent from older servers).
    public var replicas: [ReplicaReadiness]?
    public init(
        status: String, role: String, epoch: Int64, heartbeatAgeMs: Int64, checks: [String: String],
        replicas: [ReplicaReadiness]? = nil
    ) {
        self.status = status
        self.role = role
        self.epoch = epoch
        self.heartbeatAgeMs = heartbeatAgeMs
        self.checks = checks
        self.replicas = replicas
    }
}

/// One replica in `/readyz`: its id, advertised address, role and epoch as it last reported them, and how long ago.
public struct ReplicaReadiness: Codable, Sendable, Hashable {
    public var id: String
    public var address: String
    public var role: String
    public var epoch: Int64
    public var heartbeatAgeMs: Int64
    public init(id: String, address: String, role: String, epoch: Int64, heartbeatAgeMs: Int64) {
        self.id = id
        self.address = address
        self.role = role
        self.epoch = epoch
        self.heartbeatAgeMs = heartbeatAgeMs
    }
}
