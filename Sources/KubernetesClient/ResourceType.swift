import Foundation

/// Where a kind of resource lives in the REST API: `/api/v1/namespaces/{ns}/pods`, `/apis/apps/v1/deployments`.
public struct ResourceType: Sendable, Hashable {
    /// The API group; "" for the core group.
    public var group: String
    public var version: String
    /// The lower-case plural of the URL (`deployments`).
    public var plural: String
    public var kind: String
    public var namespaced: Bool

    public init(group: String, version: String, plural: String, kind: String, namespaced: Bool) {
        self.group = group
        self.version = version
        self.plural = plural
        self.kind = kind
        self.namespaced = namespaced
    }

    /// `apps/v1`, or `v1` for the core group.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// The resource name RBAC rules use (the plural).
    public var rbacResource: String { plural }

    /// The collection path, in `namespace` when the resource is namespaced (nil: across all namespaces).
    public func path(namespace: String?, name: String? = nil, subresource: String? = nil) -> String {
        var path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if namespaced, let namespace { path += "/namespaces/\(Self.escape(namespace))" }
        path += "/\(plural)"
        if let name {
            path += "/\(Self.escape(name))"
            if let subresource { path += "/\(subresource)" }
        }
        return path
    }

    func describe(namespace: String?, name: String?) -> String {
        var text = plural + (group.isEmpty ? "" : ".\(group)")
        if let name { text += " '\(name)'" }
        if namespaced, let namespace { text += " in namespace '\(namespace)'" }
        return text
    }

    static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(.init(charactersIn: "/"))) ?? segment
    }
}

extension ResourceType {
    public static let pods = ResourceType(group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true)
    public static let secrets = ResourceType(group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true)
    public static let configMaps = ResourceType(group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true)
    public static let namespaces = ResourceType(group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false)
    public static let nodes = ResourceType(group: "", version: "v1", plural: "nodes", kind: "Node", namespaced: false)
    public static let deployments = ResourceType(group: "apps", version: "v1", plural: "deployments", kind: "Deployment", namespaced: true)
    public static let replicaSets = ResourceType(group: "apps", version: "v1", plural: "replicasets", kind: "ReplicaSet", namespaced: true)
    public static let events = ResourceType(group: "events.k8s.io", version: "v1", plural: "events", kind: "Event", namespaced: true)
    public static let leases = ResourceType(group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true)
    public static let roleBindings = ResourceType(
        group: "rbac.authorization.k8s.io", version: "v1", plural: "rolebindings", kind: "RoleBinding",
        namespaced: true)
    public static let clusterRoleBindings = ResourceType(
        group: "rbac.authorization.k8s.io", version: "v1", plural: "clusterrolebindings",
        kind: "ClusterRoleBinding", namespaced: false)
    public static let clusterRoles = ResourceType(
        group: "rbac.authorization.k8s.io", version: "v1", plural: "clusterroles", kind: "ClusterRole",
        namespaced: false)
    public static let customResourceDefinitions = ResourceType(
        group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions",
        kind: "CustomResourceDefinition", namespaced: false)
}
