public import Foundation

/// `apps/v1` Deployment.
public struct Deployment: KubernetesResource, Hashable {
    public static let resourceType = ResourceType.deployments
    public var apiVersion: String? = "apps/v1"
    public var kind: String? = "Deployment"
    public var metadata: ObjectMeta
    public var spec: Spec
    public var status: Status?

    public init(metadata: ObjectMeta, spec: Spec) {
        self.metadata = metadata
        self.spec = spec
    }

    public struct Spec: Codable, Sendable, Hashable {
        public var replicas: Int32?
        public var selector: LabelSelector
        public var template: PodTemplateSpec
        /// `RollingUpdate` parameters or `Recreate`, kept as sent.
        public var strategy: JSONValue?
        public var minReadySeconds: Int32?
        public var revisionHistoryLimit: Int32?
        public var progressDeadlineSeconds: Int32?
        public var paused: Bool?

        public init(replicas: Int32? = nil, selector: LabelSelector, template: PodTemplateSpec) {
            self.replicas = replicas
            self.selector = selector
            self.template = template
        }
    }

    /// Zero-valued fields are omitted by the server: a Deployment at 0 replicas has no `replicas` key, so read
    /// them as 0 when nil.
    public struct Status: Codable, Sendable, Hashable {
        public var observedGeneration: Int64?
        public var replicas: Int32?
        public var updatedReplicas: Int32?
        public var readyReplicas: Int32?
        public var availableReplicas: Int32?
        public var unavailableReplicas: Int32?
        public var conditions: [Condition]?
    }
}

/// A pod template (`spec.template` of workloads).
public struct PodTemplateSpec: Codable, Sendable, Hashable {
    public var metadata: ObjectMeta?
    public var spec: PodSpec

    public init(metadata: ObjectMeta? = nil, spec: PodSpec) {
        self.metadata = metadata
        self.spec = spec
    }
}

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

/// A pod's `spec`: every member is kept; the ones we use are typed.
public struct PodSpec: Codable, Sendable, Hashable {
    public var object: JSONObject

    public init(containers: [Container]) {
        object = JSONObject()
        self.containers = containers
    }

    public init(from decoder: any Decoder) throws { object = try JSONObject(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try object.encode(to: encoder) }

    public var containers: [Container] {
        get { object.value("containers") ?? [] }
        set { object.set("containers", newValue) }
    }
    public var nodeName: String? {
        get { object.value("nodeName") }
        set { object.set("nodeName", newValue) }
    }
    public var restartPolicy: String? {
        get { object.value("restartPolicy") }
        set { object.set("restartPolicy", newValue) }
    }
    public var serviceAccountName: String? {
        get { object.value("serviceAccountName") }
        set { object.set("serviceAccountName", newValue) }
    }
    public var terminationGracePeriodSeconds: Int64? {
        get { object.value("terminationGracePeriodSeconds") }
        set { object.set("terminationGracePeriodSeconds", newValue) }
    }
}

/// A container of a pod spec (the members we use; set ``PodSpec/object`` directly for others).
public struct Container: Codable, Sendable, Hashable {
    public struct EnvVar: Codable, Sendable, Hashable {
        public var name: String
        public var value: String?
        /// `secretKeyRef`, `fieldRef`, … kept as sent.
        public var valueFrom: JSONValue?
        public init(name: String, value: String? = nil) {
            self.name = name
            self.value = value
        }
    }
    public var name: String
    public var image: String?
    public var command: [String]?
    public var args: [String]?
    public var env: [EnvVar]?
    public var ports: [JSONValue]?
    public var volumeMounts: [JSONValue]?
    public var readinessProbe: JSONValue?
    public var resources: JSONValue?

    public init(name: String, image: String? = nil, command: [String]? = nil, args: [String]? = nil, env: [EnvVar]? = nil) {
        self.name = name
        self.image = image
        self.command = command
        self.args = args
        self.env = env
    }
}
