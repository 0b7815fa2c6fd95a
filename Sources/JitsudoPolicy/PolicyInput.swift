public import JitsudoCore
public import Rego

/// The input document of `policies.md` §3.
public struct PolicyInput: Sendable {
    /// `request`, `approve` or `deny`.
    public var action: String
    public var userEmail: String
    public var userSubject: String
    public var userGroups: [String]
    public var request: ElevationRequest?
    /// Fields of a request that is not stored yet (submission): used when `request` is nil.
    public var submission: Submission?
    public var trustTier: Int
    public var requesterTrustTier: Int
    /// Identities that have already approved (Additions).
    public var approvals: [String]

    /// What a requester submitted, before a row exists.
    public struct Submission: Sendable {
        public var requesterIdentity: String
        public var provider: String
        public var role: String
        public var resourceScope: String
        public var durationSeconds: Int64
        public var reason: String
        public var breakGlass: Bool
        public var metadata: [String: String]

        public init(
            requesterIdentity: String, provider: String, role: String, resourceScope: String, durationSeconds: Int64, reason: String,
            breakGlass: Bool, metadata: [String: String]
        ) {
            self.requesterIdentity = requesterIdentity
            self.provider = provider
            self.role = role
            self.resourceScope = resourceScope
            self.durationSeconds = durationSeconds
            self.reason = reason
            self.breakGlass = breakGlass
            self.metadata = metadata
        }
    }

    public init(
        action: String, userEmail: String, userSubject: String, userGroups: [String], request: ElevationRequest? = nil,
        submission: Submission? = nil, trustTier: Int, requesterTrustTier: Int, approvals: [String] = []
    ) {
        self.action = action
        self.userEmail = userEmail
        self.userSubject = userSubject
        self.userGroups = userGroups
        self.request = request
        self.submission = submission
        self.trustTier = trustTier
        self.requesterTrustTier = requesterTrustTier
        self.approvals = approvals
    }

    /// The Rego value of this input.
    public var regoValue: RegoValue {
        let id: String
        let fields: Submission
        if let request {
            id = request.id.rawValue
            fields = Submission(
                requesterIdentity: request.requesterIdentity, provider: request.provider, role: request.role,
                resourceScope: request.resourceScope, durationSeconds: request.durationSeconds, reason: request.reason,
                breakGlass: request.breakGlass, metadata: request.metadata)
        } else {
            id = ""
            fields =
                submission
                ?? Submission(
                    requesterIdentity: userEmail, provider: "", role: "", resourceScope: "", durationSeconds: 0,
                    reason: "", breakGlass: false, metadata: [:])
        }
        func object(_ members: [(String, RegoValue)]) -> RegoValue {
            var storage: [RegoValue: RegoValue] = [:]
            for (key, value) in members { storage[.string(key)] = value }
            return .object(RegoObject(storage))
        }
        return object([
            ("action", .string(action)),
            (
                "user",
                object([
                    ("email", .string(userEmail)), ("subject", .string(userSubject)), ("groups", .array(userGroups.map { .string($0) })),
                ])
            ),
            (
                "request",
                object([
                    ("id", .string(id)), ("requester_identity", .string(fields.requesterIdentity)), ("provider", .string(fields.provider)),
                    ("role", .string(fields.role)), ("resource_scope", .string(fields.resourceScope)),
                    ("duration_seconds", .int(Int(fields.durationSeconds))), ("reason", .string(fields.reason)),
                    ("break_glass", .bool(fields.breakGlass)),
                    ("metadata", object(fields.metadata.map { ($0.key, RegoValue.string($0.value)) })),
                ])
            ),
            (
                "context",
                object([
                    ("trust_tier", .int(trustTier)), ("requester_trust_tier", .int(requesterTrustTier)),
                    ("approvals", .array(approvals.map { .string($0) })),
                ])
            ),
        ])
    }
}
