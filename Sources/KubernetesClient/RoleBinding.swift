/// Who a binding grants to.
public struct Subject: Codable, Sendable, Hashable {
    /// `User`, `Group` or `ServiceAccount`.
    public var kind: String
    public var name: String
    public var apiGroup: String?
    public var namespace: String?

    public init(kind: String, name: String, apiGroup: String? = nil, namespace: String? = nil) {
        self.kind = kind
        self.name = name
        self.apiGroup = apiGroup
        self.namespace = namespace
    }

    public static func user(_ name: String) -> Subject { Subject(kind: "User", name: name, apiGroup: "rbac.authorization.k8s.io") }
    public static func group(_ name: String) -> Subject { Subject(kind: "Group", name: name, apiGroup: "rbac.authorization.k8s.io") }
}

/// What a binding grants: a `Role` (same namespace) or a `ClusterRole`.
public struct RoleRef: Codable, Sendable, Hashable {
    public var apiGroup: String
    public var kind: String
    public var name: String

    public init(kind: String, name: String) {
        self.apiGroup = "rbac.authorization.k8s.io"
        self.kind = kind
        self.name = name
    }

    public static func clusterRole(_ name: String) -> RoleRef { RoleRef(kind: "ClusterRole", name: name) }
    public static func role(_ name: String) -> RoleRef { RoleRef(kind: "Role", name: name) }
}

/// `rbac.authorization.k8s.io/v1` RoleBinding (namespaced).
public struct RoleBinding: KubernetesResource, Hashable {
    public static let resourceType = ResourceType.roleBindings
    public var apiVersion: String? = "rbac.authorization.k8s.io/v1"
    public var kind: String? = "RoleBinding"
    public var metadata: ObjectMeta
    public var subjects: [Subject]?
    /// Immutable once created.
    public var roleRef: RoleRef

    public init(metadata: ObjectMeta, subjects: [Subject], roleRef: RoleRef) {
        self.metadata = metadata
        self.subjects = subjects
        self.roleRef = roleRef
    }
}
