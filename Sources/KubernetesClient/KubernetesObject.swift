/// A Kubernetes object the client can read and write: it has `metadata` and round-trips through JSON.
public protocol KubernetesObject: Codable, Sendable {
    var metadata: ObjectMeta { get set }
}

/// A kind with a fixed place in the API (every typed model; generic custom resources name theirs per call).
public protocol KubernetesResource: KubernetesObject {
    static var resourceType: ResourceType { get }
}

/// `metadata` of a list.
public struct ListMeta: Codable, Sendable, Hashable {
    public var resourceVersion: String?
    public var `continue`: String?
}

/// The answer of a list call.
public struct ObjectList<Item: KubernetesObject>: Codable, Sendable {
    public var metadata: ListMeta
    public var items: [Item]
}
