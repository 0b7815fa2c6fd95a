/// `v1` Binding: posted to `pods/{name}/binding` to place a pod on a node (what a scheduler does).
public struct PodBinding: Codable, Sendable, Hashable {
    public struct Target: Codable, Sendable, Hashable {
        public var kind = "Node"
        public var name: String
    }
    public var apiVersion = "v1"
    public var kind = "Binding"
    public var metadata: ObjectMeta
    public var target: Target

    public init(pod: String, node: String) {
        metadata = ObjectMeta(name: pod)
        target = Target(name: node)
    }
}
