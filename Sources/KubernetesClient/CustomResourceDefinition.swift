/// `apiextensions.k8s.io/v1` CustomResourceDefinition. The schema and subresources are kept as JSON.
public struct CustomResourceDefinition: KubernetesResource, Hashable {
    public static let resourceType = ResourceType.customResourceDefinitions
    public var apiVersion: String? = "apiextensions.k8s.io/v1"
    public var kind: String? = "CustomResourceDefinition"
    public var metadata: ObjectMeta
    public var spec: Spec
    public var status: Status?

    public init(metadata: ObjectMeta, spec: Spec) {
        self.metadata = metadata
        self.spec = spec
    }

    public struct Names: Codable, Sendable, Hashable {
        public var plural: String
        public var singular: String?
        public var kind: String
        public var listKind: String?
        public var shortNames: [String]?
        public init(plural: String, singular: String? = nil, kind: String, listKind: String? = nil, shortNames: [String]? = nil) {
            self.plural = plural
            self.singular = singular
            self.kind = kind
            self.listKind = listKind
            self.shortNames = shortNames
        }
    }

    public struct Version: Codable, Sendable, Hashable {
        public var name: String
        public var served: Bool
        public var storage: Bool
        /// `{"openAPIV3Schema": {...}}`.
        public var schema: JSONValue?
        /// `{"status": {}, "scale": {...}}`.
        public var subresources: JSONValue?
        public var additionalPrinterColumns: [JSONValue]?
        public init(name: String, served: Bool, storage: Bool, schema: JSONValue?, subresources: JSONValue? = nil) {
            self.name = name
            self.served = served
            self.storage = storage
            self.schema = schema
            self.subresources = subresources
        }
    }

    public struct Spec: Codable, Sendable, Hashable {
        public var group: String
        public var names: Names
        /// `Namespaced` or `Cluster`.
        public var scope: String
        public var versions: [Version]
        public init(group: String, names: Names, scope: String, versions: [Version]) {
            self.group = group
            self.names = names
            self.scope = scope
            self.versions = versions
        }
    }

    public struct Status: Codable, Sendable, Hashable {
        public var conditions: [Condition]?
        public var acceptedNames: Names?
    }

    /// True once the API server serves the kind (`Established=True`).
    public var isEstablished: Bool { status?.conditions?.contains { $0.type == "Established" && $0.status == "True" } ?? false }

    /// Where objects of the storage version (or `version`) live.
    public func resourceType(version: String? = nil) -> ResourceType {
        let chosen = version ?? spec.versions.first(where: \.storage)?.name ?? spec.versions.first?.name ?? "v1"
        return ResourceType(
            group: spec.group, version: chosen, plural: spec.names.plural, kind: spec.names.kind,
            namespaced: spec.scope == "Namespaced")
    }
}
