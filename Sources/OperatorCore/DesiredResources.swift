import Crypto
import Foundation

/// What the operator wants to exist for a JitsudoCluster: the objects the runbooks name (`deployment/jitsudod`,
/// pods `app=jitsudod`, `service/jitsudod`), described as values the executor renders into Kubernetes objects.
/// Each carries a ``specHash`` the executor stores in the `jitsudo.dev/spec-hash` annotation; a differing hash is
/// what makes the reconciler update the object.
public enum DesiredResources {
    /// The Deployment, Service and PodDisruptionBudget name, fixed by the runbooks.
    public static let name = "jitsudod"
    /// The label every jitsudod pod carries; the runbooks select `-l app=jitsudod`.
    public static let podLabels = ["app": "jitsudod"]
    /// The ConfigMap the operator writes inline configuration to.
    public static let configMapName = "jitsudod-config"
    public static let configKey = "jitsudod.yaml"
    /// Where jitsudod finds its TLS files (the Secret's keys `tls.crt`, `tls.key`, `ca.crt`).
    public static let tlsMountPath = "/etc/jitsudo/tls"
    public static let configMountPath = "/etc/jitsudo/config"
    /// The writable scratch directory (an `emptyDir`): the root filesystem is mounted read-only.
    public static let scratchMountPath = "/tmp"
    /// The non-root user and group of the jitsudod image `make images` builds (`scripts/build-image.sh`, user
    /// `jitsudo`); the pods run as it whatever the image says, with a read-only root filesystem.
    public static let imageUserID = 65532

    /// Pod-template annotations.
    public enum Annotation {
        /// SHA-256 of the configuration; a change rolls the pods.
        public static let configChecksum = "jitsudo.dev/config-checksum"
        /// Hash of the desired object; the reconciler compares it to decide on an update.
        public static let specHash = "jitsudo.dev/spec-hash"
        /// What `kubectl rollout restart` sets; the TLS reconciler sets it for a restart too.
        public static let restartedAt = "kubectl.kubernetes.io/restartedAt"
        /// The certificate serial a restart was made for (so a restart is made once per certificate).
        public static let tlsSerial = "jitsudo.dev/tls-serial"
        /// On the Deployment object: the JitsudoCluster's `replicas` when the operator last set the Deployment's replicas.
        /// A Deployment whose replicas differ from it while it still equals the JitsudoCluster's was scaled by someone
        /// else (`kubectl scale deployment jitsudod --replicas=0`, runbook 3): the operator leaves that count alone.
        public static let clusterReplicas = "jitsudo.dev/cluster-replicas"
        /// Annotations kept from the observed pod template when the operator updates the Deployment, so an update
        /// never undoes (or repeats) a restart.
        public static let carriedOver = [restartedAt, tlsSerial]
    }

    /// The `jitsudod` Deployment.
    /// How long the deployment controller waits for a rollout's new pods before it reports `ProgressDeadlineExceeded`
    /// (the operator then reports the cluster Degraded with reason RolloutStuck).
    public static let progressDeadlineSeconds = 180

    public struct Deployment: Sendable, Equatable, Codable {
        public var name: String
        public var namespace: String
        public var labels: [String: String]
        public var selector: [String: String]
        public var replicas: Int
        public var image: String
        public var imagePullPolicy: String
        /// Pod-template annotations (config checksum, and any carried over).
        public var templateAnnotations: [String: String]
        public var configMapName: String
        public var configMapKey: String
        public var databaseSecretName: String
        public var databaseSecretKey: String
        public var tlsSecretName: String
        public var containerPort: Int
        /// Probe paths on the container port.
        public var livenessPath: String
        public var readinessPath: String
        public var antiAffinity: ResolvedClusterSpec.AntiAffinity
        public var resourceRequests: [String: String]
        public var resourceLimits: [String: String]
        /// Replicas are left to the HPA: the executor must not send the field on update.
        public var replicasManagedExternally: Bool
        /// The value for the ``Annotation/clusterReplicas`` annotation (nil with an HPA).
        public var clusterReplicas: Int?
        /// The pods' service account (nil: the namespace's `default`).
        public var serviceAccountName: String?
        /// Pod-template labels from `spec.podLabels`, beside ``labels`` (nil when there are none). The extras below are
        /// nil rather than empty when unset, so a Deployment made before they existed keeps its hash (and its pods).
        public var extraPodLabels: [String: String]?
        /// `spec.progressDeadlineSeconds` (nil: ``DesiredResources/progressDeadlineSeconds``, so the hash of a
        /// Deployment made before the field existed is unchanged).
        public var progressDeadlineSeconds: Int?
        /// Environment entries after the operator's own (nil when there are none).
        public var extraEnv: [ClusterSpec.EnvVar]?
        /// Projected token volumes after the operator's `config` and `tls` (nil when there are none).
        public var extraVolumes: [ClusterSpec.Volume]?
        public var extraVolumeMounts: [ClusterSpec.VolumeMount]?

        /// The pod template's labels: the operator's own, then the extra ones (which can never replace them).
        public var templateLabels: [String: String] {
            labels.merging(extraPodLabels ?? [:]) { own, _ in own }
        }

        /// The UID and GID the container runs as (non-root; the root filesystem is read-only, `/tmp` an `emptyDir`).
        public var runAsUser: Int
    }

    /// The `jitsudod` Service.
    public struct Service: Sendable, Equatable, Codable {
        public var name: String
        public var namespace: String
        public var type: String
        public var selector: [String: String]
        public var port: Int
        public var targetPort: Int
    }

    /// The ConfigMap holding inline configuration.
    public struct ConfigMap: Sendable, Equatable, Codable {
        public var name: String
        public var namespace: String
        public var data: [String: String]
    }

    /// The `jitsudod` PodDisruptionBudget.
    public struct PodDisruptionBudget: Sendable, Equatable, Codable {
        public var name: String
        public var namespace: String
        public var selector: [String: String]
        public var minAvailable: Int
    }

    /// SHA-256 hex of a configuration's data, independent of key order.
    public static func configChecksum(_ data: [String: String]) -> String {
        var hasher = SHA256()
        for (key, value) in data.sorted(by: { $0.key < $1.key }) {
            hasher.update(data: Data("\(key.utf8.count):\(key)\(value.utf8.count):\(value)".utf8))
        }
        return Hex.text(hasher.finalize())
    }

    /// SHA-256 hex of a desired object (sorted-key JSON).
    public static func specHash<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding these plain value types cannot fail; a failure would be a broken invariant.
        guard let data = try? encoder.encode(value) else { preconditionFailure("desired resource not encodable") }
        return Hex.text(SHA256.hash(data: data))
    }

    /// The Deployment for `spec`, with `configData` checksummed into the pod template, `replicas` as given (the caller
    /// decides: the spec's, or the observed count while an HPA owns it), the carried-over annotations, and the
    /// spec's ``PodTemplateExtras`` (service account, labels, annotations, env, token volumes). A change of any of
    /// them changes ``deploymentHash(_:)``, so the pods are rolled as for any other template change.
    public static func deployment(
        _ spec: ResolvedClusterSpec, configData: [String: String], replicas: Int, carriedAnnotations: [String: String]
    ) -> Deployment {
        let extras = spec.podTemplate
        // The extra annotations first: the operator's own are written over them (validation refuses such keys anyway).
        var annotations = extras.annotations
        annotations[Annotation.configChecksum] = configChecksum(configData)
        for key in Annotation.carriedOver { if let value = carriedAnnotations[key] { annotations[key] = value } }
        var deployment = Deployment(
            name: name, namespace: spec.namespace, labels: podLabels, selector: podLabels, replicas: replicas, image: spec.image,
            imagePullPolicy: spec.imagePullPolicy, templateAnnotations: annotations, configMapName: spec.configMapName,
            configMapKey: spec.configMapKey, databaseSecretName: spec.databaseSecretName, databaseSecretKey: spec.databaseSecretKey,
            tlsSecretName: spec.tls.secretName, containerPort: spec.targetPort, livenessPath: "/healthz", readinessPath: "/readyz",
            antiAffinity: spec.antiAffinity, resourceRequests: spec.resourceRequests, resourceLimits: spec.resourceLimits,
            replicasManagedExternally: spec.autoscaling, clusterReplicas: spec.autoscaling ? nil : spec.replicas,
            runAsUser: imageUserID
        )
        deployment.serviceAccountName = extras.serviceAccountName
        deployment.extraPodLabels = extras.labels.isEmpty ? nil : extras.labels.filter { podLabels[$0.key] == nil }
        deployment.extraEnv = extras.env.isEmpty ? nil : extras.env
        deployment.extraVolumes = extras.volumes.isEmpty ? nil : extras.volumes
        deployment.extraVolumeMounts = extras.volumeMounts.isEmpty ? nil : extras.volumeMounts
        deployment.progressDeadlineSeconds = spec.progressDeadlineSeconds
        return deployment
    }

    /// The hash that decides whether the Deployment needs an update: everything but `replicas` and the replicas
    /// annotation (compared on their own, since scaling is a separate step, an HPA or a person may own it) and the
    /// carried-over annotations.
    public static func deploymentHash(_ deployment: Deployment) -> String {
        var comparable = deployment
        comparable.replicas = 0
        comparable.clusterReplicas = nil
        for key in Annotation.carriedOver { comparable.templateAnnotations[key] = nil }
        return specHash(comparable)
    }

    public static func service(_ spec: ResolvedClusterSpec) -> Service {
        Service(
            name: name, namespace: spec.namespace, type: spec.serviceType, selector: podLabels, port: spec.servicePort, targetPort: spec.targetPort)
    }

    /// The ConfigMap for inline configuration; nil when the spec references an existing ConfigMap.
    public static func configMap(_ spec: ResolvedClusterSpec) -> ConfigMap? {
        spec.inlineConfig.map { ConfigMap(name: configMapName, namespace: spec.namespace, data: [configKey: $0]) }
    }

    /// The PodDisruptionBudget. minAvailable is capped at replicas - 1 so a node drain is never blocked for good; a
    /// disabled budget becomes minAvailable 0 (the operator has no delete permission, and 0 restricts nothing).
    public static func podDisruptionBudget(_ spec: ResolvedClusterSpec) -> PodDisruptionBudget {
        let minAvailable = spec.disruptionBudgetEnabled ? min(spec.minAvailable, max(spec.replicas - 1, 0)) : 0
        return PodDisruptionBudget(name: name, namespace: spec.namespace, selector: podLabels, minAvailable: minAvailable)
    }
}
