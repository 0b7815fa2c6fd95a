/// A stored Rego module (`schema.md` §1.2).
public struct Policy: Sendable, Hashable {
    public var id: PolicyID
    public var name: String
    public var type: PolicyType
    public var rego: String
    public var description: String
    public var enabled: Bool
    public var updatedBy: String
    public var createdAt: AuditTimestamp
    public var updatedAt: AuditTimestamp

    public init(
        id: PolicyID,
        name: String,
        type: PolicyType,
        rego: String,
        description: String = "",
        enabled: Bool,
        updatedBy: String = "",
        createdAt: AuditTimestamp,
        updatedAt: AuditTimestamp
    ) {
        self.id = id
        self.name = name
        self.type = type
        self.rego = rego
        self.description = description
        self.enabled = enabled
        self.updatedBy = updatedBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Checks a policy name: 1–128 characters of `[A-Za-z0-9._-]`.
    ///
    /// - Throws: ``CoreError`` `invalidArgument` naming the rule.
    public static func validateName(_ name: String) throws(CoreError) {
        guard !name.isEmpty, name.count <= 128,
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") })
        else {
            throw CoreError(
                .invalidArgument,
                "policy name '\(name.prefix(140))' is invalid; use 1-128 characters of letters, digits, '.', '_' or '-'",
                context: ["field": "name"]
            )
        }
    }
}

/// The two kinds of policy, stored with the original's spellings.
public enum PolicyType: String, Sendable, Hashable, CaseIterable {
    case eligibility = "ELIGIBILITY"
    case approval = "APPROVAL"

    /// The Rego package every module of this type must declare.
    public var package: String {
        switch self {
        case .eligibility: "jitsudo.eligibility"
        case .approval: "jitsudo.approval"
        }
    }

    /// Accepts `eligibility`, `ELIGIBILITY`, `POLICY_TYPE_ELIGIBILITY`, `1` (and the approval forms).
    public init?(parsing text: String) {
        let upper = text.uppercased()
        let short = upper.hasPrefix("POLICY_TYPE_") ? String(upper.dropFirst("POLICY_TYPE_".count)) : upper
        switch short {
        case "ELIGIBILITY", "1": self = .eligibility
        case "APPROVAL", "2": self = .approval
        default: return nil
        }
    }
}

/// A known identity and its trust tier (`schema.md` §1.3).
public struct Principal: Sendable, Hashable {
    public var identity: String
    /// 0 unknown … 4 highest.
    public var trustTier: Int
    public var enrolledBy: String
    public var enrolledAt: AuditTimestamp
    public var lastSeenAt: AuditTimestamp
    public var notes: String

    public init(
        identity: String,
        trustTier: Int,
        enrolledBy: String,
        enrolledAt: AuditTimestamp,
        lastSeenAt: AuditTimestamp,
        notes: String
    ) {
        self.identity = identity
        self.trustTier = trustTier
        self.enrolledBy = enrolledBy
        self.enrolledAt = enrolledAt
        self.lastSeenAt = lastSeenAt
        self.notes = notes
    }

    /// Trust tiers run from 0 to 4.
    public static let tiers = 0...4
}
