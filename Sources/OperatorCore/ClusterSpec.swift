public import Foundation

/// The `spec` of a `JitsudoCluster` (jitsudo.dev/v1alpha1), decodable from the object's JSON. Optional fields carry
/// CRD defaults; ``resolved(namespace:)`` applies them and validates.
public struct ClusterSpec: Sendable, Equatable, Codable {
    public struct SecretKeyRef: Sendable, Equatable, Codable {
        public var name: String
        public var key: String?
        public init(name: String, key: String? = nil) {
            self.name = name
            self.key = key
        }
    }

    public struct Config: Sendable, Equatable, Codable {
        /// Contents of jitsudod.yaml, written by the operator to the ConfigMap `jitsudod-config`.
        public var inline: String?
        /// An existing ConfigMap and key instead.
        public var configMapRef: SecretKeyRef?
        public init(inline: String? = nil, configMapRef: SecretKeyRef? = nil) {
            self.inline = inline
            self.configMapRef = configMapRef
        }
    }

    public struct Database: Sendable, Equatable, Codable {
        public var secretRef: SecretKeyRef
        public init(secretRef: SecretKeyRef) { self.secretRef = secretRef }
    }

    public struct TLS: Sendable, Equatable, Codable {
        public var secretName: String?
        /// `SelfSigned` or `CA`.
        public var issuer: String?
        public var caSecretName: String?
        public var duration: String?
        public var renewBefore: String?
        public var reloadGracePeriod: String?
        public var dnsNames: [String]?
        public init(
            secretName: String? = nil, issuer: String? = nil, caSecretName: String? = nil, duration: String? = nil,
            renewBefore: String? = nil, reloadGracePeriod: String? = nil, dnsNames: [String]? = nil
        ) {
            self.secretName = secretName
            self.issuer = issuer
            self.caSecretName = caSecretName
            self.duration = duration
            self.renewBefore = renewBefore
            self.reloadGracePeriod = reloadGracePeriod
            self.dnsNames = dnsNames
        }
    }

    public struct Service: Sendable, Equatable, Codable {
        public var type: String?
        public var port: Int?
        public var targetPort: Int?
        public init(type: String? = nil, port: Int? = nil, targetPort: Int? = nil) {
            self.type = type
            self.port = port
            self.targetPort = targetPort
        }
    }

    public struct DisruptionBudget: Sendable, Equatable, Codable {
        public var enabled: Bool?
        public var minAvailable: Int?
        public init(enabled: Bool? = nil, minAvailable: Int? = nil) {
            self.enabled = enabled
            self.minAvailable = minAvailable
        }
    }

    public struct Autoscaling: Sendable, Equatable, Codable {
        public var enabled: Bool?
        public init(enabled: Bool? = nil) { self.enabled = enabled }
    }

    public struct Resources: Sendable, Equatable, Codable {
        public var requests: [String: Quantity]?
        public var limits: [String: Quantity]?
        public init(requests: [String: Quantity]? = nil, limits: [String: Quantity]? = nil) {
            self.requests = requests
            self.limits = limits
        }
    }

    /// How a change of ``image`` is carried out: the database the pre-upgrade backup and the migration Job use, and
    /// where the backup goes (``Upgrade``). Absent: no backup; the migration runs with the database Secret of jitsudod.
    public struct Upgrade: Sendable, Equatable, Codable {
        public struct Backup: Sendable, Equatable, Codable {
            /// The PersistentVolumeClaim the `pg_dump | gzip` file is written to (the chart's backup claim).
            public var persistentVolumeClaimName: String
            /// An image with bash, pg_dump and gzip (default `postgres:15`, as the chart's backup CronJob).
            public var image: String?
            public init(persistentVolumeClaimName: String, image: String? = nil) {
                self.persistentVolumeClaimName = persistentVolumeClaimName
                self.image = image
            }
        }

        /// The URL of a role that owns the schema (pg_dump reads sequences, migrations change tables); default
        /// `spec.database.secretRef`.
        public var databaseSecretRef: SecretKeyRef?
        /// Absent: no backup is taken before the migration (said in the condition's message).
        public var backup: Backup?
        public init(databaseSecretRef: SecretKeyRef? = nil, backup: Backup? = nil) {
            self.databaseSecretRef = databaseSecretRef
            self.backup = backup
        }
    }

    public var replicas: Int?
    public var image: String
    public var imagePullPolicy: String?
    public var config: Config?
    public var database: Database
    public var tls: TLS?
    public var service: Service?
    public var podDisruptionBudget: DisruptionBudget?
    /// `None`, `Preferred` or `Required`.
    public var podAntiAffinity: String?
    public var autoscaling: Autoscaling?
    public var resources: Resources?
    /// The pods' service account (for cloud workload identity); the operator does not create it. Empty: `default`.
    public var serviceAccountName: String?
    /// Extra pod-template labels; the operator's own (`app`) cannot be set here.
    public var podLabels: [String: String]?
    /// Extra pod-template annotations; the operator's own (`jitsudo.dev/…`, `kubectl.kubernetes.io/restartedAt`) cannot be set.
    public var podAnnotations: [String: String]?
    /// Extra environment entries of the jitsudod container; the database and configuration variables cannot be set.
    public var env: [EnvVar]?
    /// Projected service-account-token volumes (IRSA, EKS Pod Identity, AKS workload identity token files).
    public var extraVolumes: [Volume]?
    /// The backup and migration run before a change of `image` reaches the Deployment.
    public var upgrade: Upgrade?
    /// Where those volumes are mounted in the jitsudod container (read-only).
    public var extraVolumeMounts: [VolumeMount]?
    /// How long a rollout's new pods may take to become ready before it counts as held (the cluster is then reported
    /// Degraded/RolloutStuck while the old replicas keep serving); default 180.
    public var progressDeadlineSeconds: Int?

    public init(image: String, database: Database, replicas: Int? = nil, config: Config? = nil, tls: TLS? = nil) {
        self.image = image
        self.database = database
        self.replicas = replicas
        self.config = config
        self.tls = tls
    }
}

/// A ``ClusterSpec`` with every default applied and every field checked: what the reconcilers work from.
public struct ResolvedClusterSpec: Sendable, Equatable, Codable {
    /// How the serving certificate is signed.
    public enum Issuer: Sendable, Equatable, Codable {
        /// By a CA the operator generates and keeps in the named Secret.
        case selfSigned(caSecretName: String)
        /// By the CA in the named Secret, which the operator never writes.
        case ca(secretName: String)

        /// The Secret holding the CA's `tls.crt` and `tls.key`.
        public var caSecretName: String {
            switch self {
            case .selfSigned(let name), .ca(let name): return name
            }
        }
    }

    public enum AntiAffinity: String, Sendable, Codable { case none = "None", preferred = "Preferred", required = "Required" }

    public struct TLS: Sendable, Equatable, Codable {
        public var secretName: String
        public var issuer: Issuer
        /// Seconds an issued certificate is valid.
        public var validity: TimeInterval
        /// Seconds before expiry at which the certificate is renewed.
        public var renewBefore: TimeInterval
        /// Seconds to wait for hot reload before a rolling restart.
        public var reloadGracePeriod: TimeInterval
        public var dnsNames: [String]
    }

    public var namespace: String
    public var replicas: Int
    public var image: String
    public var imagePullPolicy: String
    /// Inline jitsudod.yaml, or nil when a referenced ConfigMap is used.
    public var inlineConfig: String?
    /// The ConfigMap and key jitsudod reads its configuration from.
    public var configMapName: String
    public var configMapKey: String
    public var databaseSecretName: String
    public var databaseSecretKey: String
    public var tls: TLS
    public var serviceType: String
    public var servicePort: Int
    public var targetPort: Int
    public var disruptionBudgetEnabled: Bool
    public var minAvailable: Int
    public var antiAffinity: AntiAffinity
    public var autoscaling: Bool
    public var resourceRequests: [String: String]
    public var resourceLimits: [String: String]
    /// Service account, labels, annotations, env and token volumes added to the pod template.
    public var podTemplate: PodTemplateExtras
    /// The backup and migration Jobs of an upgrade.
    public var upgrade: UpgradeSettings
    /// `spec.progressDeadlineSeconds`; nil: the default (``DesiredResources/progressDeadlineSeconds``).
    public var progressDeadlineSeconds: Int? = nil
}

/// The resolved `spec.upgrade`: the database Secret the backup and migration Jobs use and, when a backup is taken,
/// its claim and image.
public struct UpgradeSettings: Sendable, Equatable, Codable {
    public struct Backup: Sendable, Equatable, Codable {
        public var claimName: String
        public var image: String
        public init(claimName: String, image: String) {
            self.claimName = claimName
            self.image = image
        }
    }

    public var databaseSecretName: String
    public var databaseSecretKey: String
    /// nil: no backup before the migration.
    public var backup: Backup?
    public init(databaseSecretName: String, databaseSecretKey: String, backup: Backup?) {
        self.databaseSecretName = databaseSecretName
        self.databaseSecretKey = databaseSecretKey
        self.backup = backup
    }
}

extension ClusterSpec {
    /// The names jitsudod is reached by inside the cluster; always on the certificate.
    public static func serviceDNSNames(namespace: String) -> [String] {
        ["jitsudod", "jitsudod.\(namespace)", "jitsudod.\(namespace).svc", "jitsudod.\(namespace).svc.cluster.local"]
    }

    /// Applies the CRD defaults and validates, as the API server would (the CRD validates too; this is the second
    /// line for objects written before a schema change, and for tests).
    ///
    /// - Throws: ``OperatorCoreError`` naming the field and the fix; the reconcilers then take no step (fail closed).
    public func resolved(namespace: String) throws(OperatorCoreError) -> ResolvedClusterSpec {
        let replicas = self.replicas ?? 2
        guard (1...50).contains(replicas) else {
            throw OperatorCoreError(.invalidSpec, "spec.replicas is \(replicas); set it between 1 and 50")
        }
        guard !image.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw OperatorCoreError(.invalidSpec, "spec.image is empty; set the jitsudod image")
        }
        let pullPolicy = imagePullPolicy ?? "IfNotPresent"
        guard ["Always", "IfNotPresent", "Never"].contains(pullPolicy) else {
            throw OperatorCoreError(.invalidSpec, "spec.imagePullPolicy is '\(pullPolicy)'; use Always, IfNotPresent or Never")
        }
        if config?.inline != nil, config?.configMapRef != nil {
            throw OperatorCoreError(.invalidSpec, "set either spec.config.inline or spec.config.configMapRef, not both")
        }
        guard !database.secretRef.name.isEmpty else {
            throw OperatorCoreError(.invalidSpec, "spec.database.secretRef.name is empty; name the Secret holding the database URL")
        }
        let tls = try resolvedTLS(namespace: namespace)
        let podTemplate = try PodTemplateExtras(validating: self)
        let port = service?.port ?? 443
        let targetPort = service?.targetPort ?? 8443
        for (field, value) in [("spec.service.port", port), ("spec.service.targetPort", targetPort)] where !(1...65535).contains(value) {
            throw OperatorCoreError(.invalidSpec, "\(field) is \(value); use a port between 1 and 65535")
        }
        let serviceType = service?.type ?? "ClusterIP"
        guard ["ClusterIP", "NodePort", "LoadBalancer"].contains(serviceType) else {
            throw OperatorCoreError(.invalidSpec, "spec.service.type is '\(serviceType)'; use ClusterIP, NodePort or LoadBalancer")
        }
        let minAvailable = podDisruptionBudget?.minAvailable ?? 1
        guard minAvailable >= 0 else {
            throw OperatorCoreError(.invalidSpec, "spec.podDisruptionBudget.minAvailable is \(minAvailable); use 0 or more")
        }
        guard let antiAffinity = ResolvedClusterSpec.AntiAffinity(rawValue: podAntiAffinity ?? "Preferred") else {
            throw OperatorCoreError(.invalidSpec, "spec.podAntiAffinity is '\(podAntiAffinity ?? "")'; use None, Preferred or Required")
        }
        if let deadline = progressDeadlineSeconds, !(10...3600).contains(deadline) {
            throw OperatorCoreError(.invalidSpec, "spec.progressDeadlineSeconds is \(deadline); set it between 10 and 3600 seconds")
        }
        var resolved = ResolvedClusterSpec(
            namespace: namespace, replicas: replicas, image: image, imagePullPolicy: pullPolicy,
            inlineConfig: config?.configMapRef == nil ? (config?.inline ?? "") : nil,
            configMapName: config?.configMapRef?.name ?? DesiredResources.configMapName,
            configMapKey: config?.configMapRef?.key ?? DesiredResources.configKey,
            databaseSecretName: database.secretRef.name, databaseSecretKey: database.secretRef.key ?? "url", tls: tls,
            serviceType: serviceType, servicePort: port, targetPort: targetPort,
            disruptionBudgetEnabled: podDisruptionBudget?.enabled ?? true, minAvailable: minAvailable, antiAffinity: antiAffinity,
            autoscaling: autoscaling?.enabled ?? false,
            resourceRequests: (resources?.requests ?? [:]).mapValues(\.text), resourceLimits: (resources?.limits ?? [:]).mapValues(\.text),
            podTemplate: podTemplate, upgrade: try resolvedUpgrade()
        )
        resolved.progressDeadlineSeconds = progressDeadlineSeconds
        return resolved
    }

    private func resolvedUpgrade() throws(OperatorCoreError) -> UpgradeSettings {
        let secret = upgrade?.databaseSecretRef ?? database.secretRef
        guard !secret.name.isEmpty else {
            throw OperatorCoreError(.invalidSpec, "spec.upgrade.databaseSecretRef.name is empty; name the Secret with the schema owner's URL")
        }
        var backup: UpgradeSettings.Backup?
        if let configured = upgrade?.backup {
            guard !configured.persistentVolumeClaimName.isEmpty else {
                throw OperatorCoreError(
                    .invalidSpec, "spec.upgrade.backup.persistentVolumeClaimName is empty; name the claim backups are written to")
            }
            let image = configured.image ?? "postgres:15"
            guard !image.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw OperatorCoreError(.invalidSpec, "spec.upgrade.backup.image is empty; use an image with bash, pg_dump and gzip")
            }
            backup = UpgradeSettings.Backup(claimName: configured.persistentVolumeClaimName, image: image)
        }
        return UpgradeSettings(databaseSecretName: secret.name, databaseSecretKey: secret.key ?? "url", backup: backup)
    }

    private func resolvedTLS(namespace: String) throws(OperatorCoreError) -> ResolvedClusterSpec.TLS {
        let secretName = tls?.secretName ?? "jitsudo-tls"
        let issuer: ResolvedClusterSpec.Issuer
        switch tls?.issuer ?? "SelfSigned" {
        case "SelfSigned": issuer = .selfSigned(caSecretName: "\(secretName)-ca")
        case "CA":
            guard let ca = tls?.caSecretName, !ca.isEmpty else {
                throw OperatorCoreError(.invalidSpec, "spec.tls.caSecretName is required when spec.tls.issuer is CA")
            }
            guard ca != secretName else {
                throw OperatorCoreError(.invalidSpec, "spec.tls.caSecretName must differ from spec.tls.secretName")
            }
            issuer = .ca(secretName: ca)
        case let other:
            throw OperatorCoreError(.invalidSpec, "spec.tls.issuer is '\(other)'; use SelfSigned or CA")
        }
        let validity = try GoDuration.seconds(tls?.duration ?? "2160h", field: "spec.tls.duration")
        let renewBefore = try GoDuration.seconds(tls?.renewBefore ?? "720h", field: "spec.tls.renewBefore")
        let grace = try GoDuration.seconds(tls?.reloadGracePeriod ?? "60s", field: "spec.tls.reloadGracePeriod")
        guard validity > renewBefore else {
            throw OperatorCoreError(
                .invalidSpec,
                "spec.tls.duration (\(tls?.duration ?? "2160h")) must be longer than spec.tls.renewBefore (\(tls?.renewBefore ?? "720h"))"
            )
        }
        var names = Self.serviceDNSNames(namespace: namespace)
        for name in tls?.dnsNames ?? [] where !names.contains(name.lowercased()) { names.append(name.lowercased()) }
        return ResolvedClusterSpec.TLS(
            secretName: secretName, issuer: issuer, validity: validity, renewBefore: renewBefore, reloadGracePeriod: grace, dnsNames: names
        )
    }
}
