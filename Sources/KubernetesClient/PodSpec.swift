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
