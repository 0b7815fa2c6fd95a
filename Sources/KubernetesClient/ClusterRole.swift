/// `rbac.authorization.k8s.io/v1` ClusterRole (rules kept as sent).
public struct ClusterRole: KubernetesResource, Hashable {
    public static let resourceType = ResourceType.clusterRoles
    public var apiVersion: String? = "rbac.authorization.k8s.io/v1"
    public var kind: String? = "ClusterRole"
    public var metadata: ObjectMeta
    public var rules: [JSONValue]?
    public var aggregationRule: JSONValue?

    public init(metadata: ObjectMeta, rules: [JSONValue]) {
        self.metadata = metadata
        self.rules = rules
    }
}
