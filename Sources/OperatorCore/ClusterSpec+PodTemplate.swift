/// The pod-template fields of a ``ClusterSpec`` that give jitsudod its cloud workload identity: `env` entries and
/// `extraVolumes`/`extraVolumeMounts`. Each is decoded from, and encodes to, the shape Kubernetes gives the same field
/// of a container or pod (so the desired Deployment carries them as they are). ``PodTemplateExtras`` checks them.
extension ClusterSpec {
    /// One environment entry: `value`, or `valueFrom` one of `secretKeyRef`, `configMapKeyRef`, `fieldRef`.
    public struct EnvVar: Sendable, Equatable, Codable {
        public var name: String
        public var value: String?
        public var valueFrom: EnvVarSource?
        public init(name: String, value: String? = nil, valueFrom: EnvVarSource? = nil) {
            self.name = name
            self.value = value
            self.valueFrom = valueFrom
        }
    }

    /// Where an environment entry's value comes from; exactly one member is set.
    public struct EnvVarSource: Sendable, Equatable, Codable {
        public var secretKeyRef: KeySelector?
        public var configMapKeyRef: KeySelector?
        public var fieldRef: FieldSelector?
        public init(secretKeyRef: KeySelector? = nil, configMapKeyRef: KeySelector? = nil, fieldRef: FieldSelector? = nil) {
            self.secretKeyRef = secretKeyRef
            self.configMapKeyRef = configMapKeyRef
            self.fieldRef = fieldRef
        }
    }

    /// A key of a Secret or ConfigMap in the cluster's namespace.
    public struct KeySelector: Sendable, Equatable, Codable {
        public var name: String
        public var key: String
        public var optional: Bool?
        public init(name: String, key: String, optional: Bool? = nil) {
            self.name = name
            self.key = key
            self.optional = optional
        }
    }

    /// A field of the pod (the downward API), such as `metadata.name` or `spec.serviceAccountName`.
    public struct FieldSelector: Sendable, Equatable, Codable {
        public var fieldPath: String
        public var apiVersion: String?
        public init(fieldPath: String, apiVersion: String? = nil) {
            self.fieldPath = fieldPath
            self.apiVersion = apiVersion
        }
    }

    /// An extra pod volume. Only `projected` volumes of service-account tokens are accepted (the token files of IRSA,
    /// EKS Pod Identity and AKS workload identity); any other kind is refused.
    public struct Volume: Sendable, Equatable, Codable {
        public var name: String
        public var projected: ProjectedVolume?
        public init(name: String, projected: ProjectedVolume?) {
            self.name = name
            self.projected = projected
        }
    }

    public struct ProjectedVolume: Sendable, Equatable, Codable {
        public var sources: [ProjectionSource]
        public init(sources: [ProjectionSource]) { self.sources = sources }
    }

    public struct ProjectionSource: Sendable, Equatable, Codable {
        public var serviceAccountToken: ServiceAccountTokenProjection?
        public init(serviceAccountToken: ServiceAccountTokenProjection?) { self.serviceAccountToken = serviceAccountToken }
    }

    /// A token of the pod's service account, written by the kubelet to `path` inside the volume and rotated by it.
    public struct ServiceAccountTokenProjection: Sendable, Equatable, Codable {
        /// Who the token is for (`sts.amazonaws.com`, `pods.eks.amazonaws.com`, `api://AzureADTokenExchange`); empty
        /// means the API server's own audience.
        public var audience: String?
        /// Requested lifetime; 600 or more, default 3600.
        public var expirationSeconds: Int?
        /// The file's path relative to the mount point, such as `token`.
        public var path: String
        public init(audience: String? = nil, expirationSeconds: Int? = nil, path: String) {
            self.audience = audience
            self.expirationSeconds = expirationSeconds
            self.path = path
        }
    }

    /// Where an extra volume appears in the jitsudod container; always read-only.
    public struct VolumeMount: Sendable, Equatable, Codable {
        public var name: String
        public var mountPath: String
        public var readOnly: Bool?
        public init(name: String, mountPath: String, readOnly: Bool? = nil) {
            self.name = name
            self.mountPath = mountPath
            self.readOnly = readOnly
        }
    }
}
