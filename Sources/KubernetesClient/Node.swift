/// `v1` Node (the fakelet registers one).
public struct Node: KubernetesResource, Hashable {
    public static let resourceType = ResourceType.nodes
    public var apiVersion: String? = "v1"
    public var kind: String? = "Node"
    public var metadata: ObjectMeta
    public var spec: JSONValue?
    public var status: Status?

    public init(name: String, labels: [String: String]? = nil) { metadata = ObjectMeta(name: name, labels: labels) }

    public struct Status: Codable, Sendable, Hashable {
        public var conditions: [Condition]?
        public var capacity: [String: String]?
        public var allocatable: [String: String]?
        public var addresses: [JSONValue]?
        public init(conditions: [Condition]? = nil, capacity: [String: String]? = nil, allocatable: [String: String]? = nil) {
            self.conditions = conditions
            self.capacity = capacity
            self.allocatable = allocatable
        }
    }
}
