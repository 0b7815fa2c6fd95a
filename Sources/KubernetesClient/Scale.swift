/// The `scale` subresource of Deployments (and of custom resources that declare it).
public struct Scale: Codable, Sendable, Hashable {
    public var apiVersion: String? = "autoscaling/v1"
    public var kind: String? = "Scale"
    public var metadata: ObjectMeta
    public var spec: Spec
    public var status: Status?

    public struct Spec: Codable, Sendable, Hashable {
        public var replicas: Int32?
        public init(replicas: Int32?) { self.replicas = replicas }
    }

    public struct Status: Codable, Sendable, Hashable {
        public var replicas: Int32?
        public var selector: String?
    }
}
