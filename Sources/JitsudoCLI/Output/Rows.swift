import Foundation
import JitsudoAPI

/// The JSON/YAML row of a request (`cli.md` §4): snake_case, every member present, `expires_at` null until issued.
struct RequestRow: Encodable, Sendable {
    var id, state, requesterIdentity, provider, role, resourceScope: String
    var durationSeconds: Int64
    var reason: String
    var breakGlass: Bool
    var approverTier, approverIdentity, approverComment, createdAt: String
    var expiresAt: NullWhenAbsent<String>

    init(_ wire: WireRequest) {
        id = wire.id
        state = wire.shortState
        requesterIdentity = wire.requesterIdentity
        provider = wire.provider
        role = wire.role
        resourceScope = wire.resourceScope
        durationSeconds = Int64(wire.durationSeconds) ?? 0
        reason = wire.reason
        breakGlass = wire.breakGlass
        approverTier = wire.approverTier
        approverIdentity = wire.approverIdentity
        approverComment = wire.approverComment
        createdAt = wire.createdAt
        expiresAt = NullWhenAbsent(wire.expiresAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, state, requesterIdentity = "requester_identity", provider, role, resourceScope = "resource_scope"
        case durationSeconds = "duration_seconds", reason, breakGlass = "break_glass", approverTier = "approver_tier"
        case approverIdentity = "approver_identity", approverComment = "approver_comment", createdAt = "created_at"
        case expiresAt = "expires_at"
    }
}

/// An optional member written as `null` when absent (synthesised encoding would leave the member out).
struct NullWhenAbsent<Value: Encodable & Sendable>: Encodable, Sendable {
    let value: Value?
    init(_ value: Value?) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value { try container.encode(value) } else { try container.encodeNil() }
    }
}

/// The JSON/YAML row of a policy; `rego` only from `policy get`.
struct PolicyRow: Encodable, Sendable {
    var id, name, type: String
    var enabled: Bool
    var description, updatedAt, updatedBy: String
    var rego: String?

    init(_ wire: WirePolicy, includeRego: Bool) {
        id = wire.id
        name = wire.name
        type = wire.shortType
        enabled = wire.enabled
        description = wire.description
        updatedAt = wire.updatedAt
        updatedBy = wire.updatedBy
        rego = includeRego ? wire.rego : nil
    }

    enum CodingKeys: String, CodingKey {
        case id, name, type, enabled, description, updatedAt = "updated_at", updatedBy = "updated_by", rego
    }
}

/// The JSON/YAML row of an audit event (`id` a number).
struct AuditRow: Encodable, Sendable {
    var id: Int64
    var timestamp, actor, action, requestId, provider, resourceScope, outcome, detailsJson, prevHash, hash: String

    init(_ wire: WireAuditEvent) {
        id = Int64(wire.id) ?? 0
        timestamp = wire.timestamp
        actor = wire.actorIdentity
        action = wire.action
        requestId = wire.requestId
        provider = wire.provider
        resourceScope = wire.resourceScope
        outcome = wire.outcome
        detailsJson = wire.detailsJson
        prevHash = wire.prevHash
        hash = wire.hash
    }

    enum CodingKeys: String, CodingKey {
        case id, timestamp, actor, action, requestId = "request_id", provider, resourceScope = "resource_scope", outcome
        case detailsJson = "details_json", prevHash = "prev_hash", hash
    }
}

/// The JSON/YAML row of a principal.
struct PrincipalRow: Encodable, Sendable {
    var identity: String
    var trustTier: Int
    var enrolledBy, enrolledAt, lastSeenAt, notes: String

    init(_ wire: WirePrincipal) {
        identity = wire.identity
        trustTier = wire.trustTier
        enrolledBy = wire.enrolledBy
        enrolledAt = wire.enrolledAt
        lastSeenAt = wire.lastSeenAt
        notes = wire.notes
    }

    enum CodingKeys: String, CodingKey {
        case identity, trustTier = "trust_tier", enrolledBy = "enrolled_by", enrolledAt = "enrolled_at", lastSeenAt = "last_seen_at", notes
    }
}

/// The JSON/YAML row of a chain verification (`cli.md` §3.6).
struct VerificationRow: Encodable, Sendable {
    var intact: Bool
    var eventsVerified: Int64
    var firstEventId, lastEventId: Int64
    var brokenAtEventId: Int64?
    var problem: String
    var unsequencedEvents: Int64 = 0

    enum CodingKeys: String, CodingKey {
        case intact, eventsVerified = "events_verified", firstEventId = "first_event_id", lastEventId = "last_event_id"
        case brokenAtEventId = "broken_at_event_id", problem, unsequencedEvents = "unsequenced_events"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(intact, forKey: .intact)
        try container.encode(eventsVerified, forKey: .eventsVerified)
        try container.encode(firstEventId, forKey: .firstEventId)
        try container.encode(lastEventId, forKey: .lastEventId)
        if let brokenAtEventId {
            try container.encode(brokenAtEventId, forKey: .brokenAtEventId)
        } else {
            try container.encodeNil(forKey: .brokenAtEventId)
        }
        try container.encode(problem, forKey: .problem)
        try container.encode(unsequencedEvents, forKey: .unsequencedEvents)
    }

    /// `Chain intact: N events verified` / `Chain broken at event <id>: <problem>`.
    var summary: String {
        intact ? "Chain intact: \(eventsVerified) events verified" : "Chain broken at event \(brokenAtEventId ?? 0): \(problem)"
    }
}
