/// The bodies of the policy commands (`api.md` §6), shared by the CLI (which encodes them) and the server (which reads
/// them with ``RequestFields`` through `init(_:)`, holding the contract's rules and limits).

/// `POST /policies`: create or replace a policy by name.
public struct PolicyApplyBody: Codable, Sendable, Hashable {
    public var name: String
    /// `eligibility` or `approval` in any spelling the API accepts; nil means eligibility.
    public var type: String?
    public var rego: String
    public var description: String
    public var enabled: Bool

    public init(name: String, type: String?, rego: String, description: String, enabled: Bool) {
        self.name = name
        self.type = type
        self.rego = rego
        self.description = description
        self.enabled = enabled
    }

    public init(_ fields: RequestFields) throws(APIError) {
        name = try fields.string("name", required: true, maxLength: 128) ?? ""
        type =
            try fields.value("type").map { value throws(APIError) -> String in
                switch value {
                case .string(let text): return text
                case .integer(let number): return String(number)
                default: throw APIError.invalidArgument("type must be eligibility or approval")
                }
            }
        rego = try fields.string("rego", required: true, maxLength: 512 * 1024) ?? ""
        description = try fields.string("description", maxLength: 4_096) ?? ""
        enabled = try fields.bool("enabled") ?? false
    }
}

/// `PATCH /policies/{id}`: at least one of the two.
public struct PolicyUpdateBody: Codable, Sendable, Hashable {
    public var enabled: Bool?
    public var description: String?

    public init(enabled: Bool?, description: String?) {
        self.enabled = enabled
        self.description = description
    }

    public init(_ fields: RequestFields) throws(APIError) {
        enabled = try fields.bool("enabled")
        description = try fields.string("description", maxLength: 4_096)
        guard enabled != nil || description != nil else { throw APIError.invalidArgument("send enabled and/or description to update") }
    }
}

/// `POST /policies:eval`: a dry run of the enabled policies on an input.
public struct PolicyEvalBody: Codable, Sendable, Hashable {
    /// The input document as JSON text.
    public var inputJson: String
    public var type: String?
    /// RFC 3339 UTC time the evaluation sees as `time.now_ns()`; nil means now.
    public var now: String?

    public init(inputJson: String, type: String?, now: String?) {
        self.inputJson = inputJson
        self.type = type
        self.now = now
    }

    public init(_ fields: RequestFields) throws(APIError) {
        type = try fields.string("type")
        inputJson = try fields.string("inputJson", required: true, maxLength: 1 << 20) ?? ""
        now = try fields.string("now")
    }
}
