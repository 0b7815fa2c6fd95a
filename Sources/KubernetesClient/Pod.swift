public import Foundation

/// `v1` Pod.
public struct Pod: KubernetesResource, Hashable {
    public static let resourceType = ResourceType.pods
    public var apiVersion: String? = "v1"
    public var kind: String? = "Pod"
    public var metadata: ObjectMeta
    public var spec: PodSpec?
    public var status: Status?

    public init(metadata: ObjectMeta, spec: PodSpec) {
        self.metadata = metadata
        self.spec = spec
    }

    public struct Status: Codable, Sendable, Hashable {
        /// `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`.
        public var phase: String?
        public var conditions: [Condition]?
        public var hostIP: String?
        public var podIP: String?
        public var startTime: Date?
        public var containerStatuses: [JSONValue]?
        public var message: String?
        public var reason: String?

        public init(phase: String? = nil, conditions: [Condition]? = nil) {
            self.phase = phase
            self.conditions = conditions
        }
    }

    /// True when the pod's `Ready` condition is `True`.
    public var isReady: Bool {
        status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } ?? false
    }
}
