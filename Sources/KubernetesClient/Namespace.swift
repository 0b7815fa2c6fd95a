/// `v1` Namespace.
public struct Namespace: KubernetesResource, Hashable {
    public static let resourceType = ResourceType.namespaces
    public var apiVersion: String? = "v1"
    public var kind: String? = "Namespace"
    public var metadata: ObjectMeta
    public var status: JSONValue?

    public init(name: String, labels: [String: String]? = nil) { metadata = ObjectMeta(name: name, labels: labels) }
}
