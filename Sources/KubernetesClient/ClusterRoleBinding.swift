/// `rbac.authorization.k8s.io/v1` ClusterRoleBinding (cluster-wide).
public struct ClusterRoleBinding: KubernetesResource, Hashable {
    public static let resourceType = ResourceType.clusterRoleBindings
    public var apiVersion: String? = "rbac.authorization.k8s.io/v1"
    public var kind: String? = "ClusterRoleBinding"
    public var metadata: ObjectMeta
    public var subjects: [Subject]?
    public var roleRef: RoleRef

    public init(metadata: ObjectMeta, subjects: [Subject], roleRef: RoleRef) {
        self.metadata = metadata
        self.subjects = subjects
        self.roleRef = roleRef
    }
}
