public import Foundation

/// `v1` Secret. `data` values are base64 as on the wire; ``decodedData`` gives the bytes.
public struct Secret: KubernetesResource, Hashable {
    public static let resourceType = ResourceType.secrets
    public var apiVersion: String? = "v1"
    public var kind: String? = "Secret"
    public var metadata: ObjectMeta
    public var type: String?
    public var data: [String: String]?
    /// Write-only plain-text values; the server merges them into `data`.
    public var stringData: [String: String]?

    public init(metadata: ObjectMeta, type: String? = nil, data: [String: Data] = [:]) {
        self.metadata = metadata
        self.type = type
        self.data = data.isEmpty ? nil : data.mapValues { $0.base64EncodedString() }
    }

    public var decodedData: [String: Data] { (data ?? [:]).compactMapValues { Data(base64Encoded: $0) } }
}

/// `v1` ConfigMap.
public struct ConfigMap: KubernetesResource, Hashable {
    public static let resourceType = ResourceType.configMaps
    public var apiVersion: String? = "v1"
    public var kind: String? = "ConfigMap"
    public var metadata: ObjectMeta
    public var data: [String: String]?

    public init(metadata: ObjectMeta, data: [String: String]? = nil) {
        self.metadata = metadata
        self.data = data
    }
}

/// `v1` Namespace.
public struct Namespace: KubernetesResource, Hashable {
    public static let resourceType = ResourceType.namespaces
    public var apiVersion: String? = "v1"
    public var kind: String? = "Namespace"
    public var metadata: ObjectMeta
    public var status: JSONValue?

    public init(name: String, labels: [String: String]? = nil) { metadata = ObjectMeta(name: name, labels: labels) }
}

/// `v1` Node (the fakelet registers one).
public struct Node: KubernetesResource, Hashable {
    public static let resourceType = ResourceType.nodes
    public var apiVersion: String? = "v1"
    public var kind: String? = "Node"
    public var metadata: ObjectMeta
    public var spec: JSONValue?
    public var status: Status?

    public init(name: String, labels: [String: String]? = nil) { metadata = ObjectMeta(name: name, labels: labels) }

    public struct Status: Codable, Sendable, Hashable {
        public var conditions: [Condition]?
        public var capacity: [String: String]?
        public var allocatable: [String: String]?
        public var addresses: [JSONValue]?
        public init(conditions: [Condition]? = nil, capacity: [String: String]? = nil, allocatable: [String: String]? = nil) {
            self.conditions = conditions
            self.capacity = capacity
            self.allocatable = allocatable
        }
    }
}

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

/// A reference to an object (`regarding` of events, subjects of reviews).
public struct ObjectReference: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var name: String?
    public var namespace: String?
    public var uid: String?
    public var resourceVersion: String?
    public var fieldPath: String?

    public init(apiVersion: String? = nil, kind: String? = nil, name: String? = nil, namespace: String? = nil, uid: String? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.uid = uid
    }
}

/// `events.k8s.io/v1` Event.
public struct Event: KubernetesResource, Hashable {
    public static let resourceType = ResourceType.events
    public var apiVersion: String? = "events.k8s.io/v1"
    public var kind: String? = "Event"
    public var metadata: ObjectMeta
    /// Required on create (MicroTime).
    public var eventTime: Date?
    public var reason: String?
    public var note: String?
    /// `Normal` or `Warning`.
    public var type: String?
    public var action: String?
    public var reportingController: String?
    public var reportingInstance: String?
    public var regarding: ObjectReference?
    public var series: JSONValue?

    public init(metadata: ObjectMeta, eventTime: Date, type: String, reason: String, action: String, note: String,
                regarding: ObjectReference, reportingController: String, reportingInstance: String) {
        self.metadata = metadata
        self.eventTime = eventTime
        self.type = type
        self.reason = reason
        self.action = action
        self.note = note
        self.regarding = regarding
        self.reportingController = reportingController
        self.reportingInstance = reportingInstance
    }
}

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

        public init(holderIdentity: String? = nil, leaseDurationSeconds: Int32? = nil, acquireTime: Date? = nil, renewTime: Date? = nil,
                    leaseTransitions: Int32? = nil) {
            self.holderIdentity = holderIdentity
            self.leaseDurationSeconds = leaseDurationSeconds
            self.acquireTime = acquireTime
            self.renewTime = renewTime
            self.leaseTransitions = leaseTransitions
        }
    }
}
