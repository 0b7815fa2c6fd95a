public import Foundation

/// `coordination.k8s.io/v1` Lease, the lock of leader election.
public struct Lease: KubernetesResource, Hashable {
    public static let resourceType = ResourceType.leases
    public var apiVersion: String? = "coordination.k8s.io/v1"
    public var kind: String? = "Lease"
    public var metadata: ObjectMeta
    public var spec: Spec?

    public init(metadata: ObjectMeta, spec: Spec) {
        self.metadata = metadata
        self.spec = spec
    }

    public struct Spec: Codable, Sendable, Hashable {
        public var holderIdentity: String?
        public var leaseDurationSeconds: Int32?
        public var acquireTime: Date?
        public var renewTime: Date?
        public var leaseTransitions: Int32?

        public init(
            holderIdentity: String? = nil, leaseDurationSeconds: Int32? = nil, acquireTime: Date? = nil, renewTime: Date? = nil,
            leaseTransitions: Int32? = nil
        ) {
            self.holderIdentity = holderIdentity
            self.leaseDurationSeconds = leaseDurationSeconds
            self.acquireTime = acquireTime
            self.renewTime = renewTime
            self.leaseTransitions = leaseTransitions
        }
    }
}
