/// Any object, for custom resources: `metadata` is typed, everything else (`spec`, `status`, …) is JSON.
///
/// Calls name the ``ResourceType`` explicitly (`client.get(GenericResource.self, name:, namespace:, in: type)`).
public struct GenericResource: KubernetesObject, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    /// Every top-level member except `apiVersion`, `kind` and `metadata`.
    public var body: [String: JSONValue]

    public init(apiVersion: String, kind: String, metadata: ObjectMeta, body: [String: JSONValue] = [:]) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.body = body
    }

    private enum Key: String, CodingKey {
        case apiVersion, kind, metadata
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        apiVersion = try container.decodeIfPresent(String.self, forKey: .apiVersion)
        kind = try container.decodeIfPresent(String.self, forKey: .kind)
        metadata = try container.decode(ObjectMeta.self, forKey: .metadata)
        var all = try decoder.singleValueContainer().decode([String: JSONValue].self)
        for key in ["apiVersion", "kind", "metadata"] { all[key] = nil }
        body = all
    }

    public func encode(to encoder: any Encoder) throws {
        var members = body
        if let apiVersion { members["apiVersion"] = .string(apiVersion) }
        if let kind { members["kind"] = .string(kind) }
        var container = encoder.singleValueContainer()
        try container.encode(members.merging(["metadata": try JSONValue(encoding: metadata)], uniquingKeysWith: { _, new in new }))
    }

    public var spec: JSONValue? {
        get { body["spec"] }
        set { body["spec"] = newValue }
    }
    public var status: JSONValue? {
        get { body["status"] }
        set { body["status"] = newValue }
    }
}
