/// What a JitsudoCluster adds to jitsudod's pod template beyond the operator's own parts: the service account, labels,
/// annotations, environment entries and projected service-account-token volumes (cloud workload identity: IRSA, EKS
/// Pod Identity, GKE Workload Identity, AKS workload identity). Checked so that nothing here can replace or shadow what
/// the operator owns: the `app=jitsudod` label, its `jitsudo.dev/` annotations, the database and configuration
/// variables, the `config` and `tls` volumes and their mount paths.
public struct PodTemplateExtras: Sendable, Equatable, Codable {
    /// The pods' service account (nil: the namespace's `default`). The operator does not create it.
    public var serviceAccountName: String?
    public var labels: [String: String]
    public var annotations: [String: String]
    public var env: [ClusterSpec.EnvVar]
    /// Projected token volumes, `expirationSeconds` filled in.
    public var volumes: [ClusterSpec.Volume]
    /// Their mounts, `readOnly` always true.
    public var volumeMounts: [ClusterSpec.VolumeMount]

    /// Label keys the operator sets itself (the selector of the Deployment, Service and PodDisruptionBudget) or the
    /// deployment controller does.
    public static let reservedLabels: Set<String> = Set(DesiredResources.podLabels.keys).union(["pod-template-hash"])
    /// Environment variables the operator sets (the database URL and the configuration file).
    public static let reservedEnv: Set<String> = ["DATABASE_URL", "JITSUDOD_CONFIG"]
    /// Any variable with this prefix would override the database the operator gives jitsudod.
    public static let reservedEnvPrefix = "JITSUDOD_DATABASE"
    /// Volumes the operator declares.
    public static let reservedVolumes: Set<String> = ["config", "tls"]
    /// Paths the operator mounts, and where Kubernetes mounts the service account's API token.
    public static let reservedMountPaths = [
        DesiredResources.configMountPath, DesiredResources.tlsMountPath, "/var/run/secrets/kubernetes.io/serviceaccount",
    ]
    /// The fields a pod's environment can read through `fieldRef` (the downward API for env).
    public static let fieldPaths: Set<String> = [
        "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.podIP",
        "status.podIPs",
    ]
    /// The kubelet's lower bound for a projected token's lifetime, and the default.
    public static let minimumTokenSeconds = 600
    public static let defaultTokenSeconds = 3600
    static let limit = 32

    /// Nothing added: the pod template as before these fields existed.
    public static let none = PodTemplateExtras(serviceAccountName: nil, labels: [:], annotations: [:], env: [], volumes: [], volumeMounts: [])

    public init(
        serviceAccountName: String?, labels: [String: String], annotations: [String: String], env: [ClusterSpec.EnvVar],
        volumes: [ClusterSpec.Volume], volumeMounts: [ClusterSpec.VolumeMount]
    ) {
        self.serviceAccountName = serviceAccountName
        self.labels = labels
        self.annotations = annotations
        self.env = env
        self.volumes = volumes
        self.volumeMounts = volumeMounts
    }

    /// Checks the pod-template fields of `spec` and applies their defaults.
    ///
    /// - Throws: ``OperatorCoreError/Code-swift.struct/invalidSpec`` naming the field and what to change; the
    ///   reconciler then reports the cluster Degraded (InvalidSpec) and takes no step.
    public init(validating spec: ClusterSpec) throws(OperatorCoreError) {
        var account: String?
        if let name = spec.serviceAccountName, !name.isEmpty {
            guard KubernetesNames.isDNSSubdomain(name) else {
                throw OperatorCoreError(
                    .invalidSpec, "spec.serviceAccountName '\(name)' is not a service account name; use lower-case letters, digits, '-' and '.'")
            }
            account = name
        }
        let labels = try Self.checkedLabels(spec.podLabels ?? [:])
        let annotations = try Self.checkedAnnotations(spec.podAnnotations ?? [:])
        let env = try Self.checkedEnv(spec.env ?? [])
        let volumes = try Self.checkedVolumes(spec.extraVolumes ?? [])
        let mounts = try Self.checkedMounts(spec.extraVolumeMounts ?? [], volumes: volumes)
        self.init(serviceAccountName: account, labels: labels, annotations: annotations, env: env, volumes: volumes, volumeMounts: mounts)
    }

    private static func checkedLabels(_ labels: [String: String]) throws(OperatorCoreError) -> [String: String] {
        guard labels.count <= limit else { throw OperatorCoreError(.invalidSpec, "spec.podLabels has \(labels.count) entries; keep it to \(limit)") }
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
            if reservedLabels.contains(key) {
                throw OperatorCoreError(
                    .invalidSpec,
                    "spec.podLabels sets '\(key)', which the operator owns (app=jitsudod is what the Service, the PodDisruptionBudget and "
                        + "the runbooks select); remove it from spec.podLabels")
            }
            guard KubernetesNames.isQualifiedName(key) else {
                throw OperatorCoreError(
                    .invalidSpec, "spec.podLabels key '\(key)' is not a valid label key; use [prefix/]name, name up to 63 characters")
            }
            guard KubernetesNames.isLabelValue(value) else {
                throw OperatorCoreError(
                    .invalidSpec,
                    "spec.podLabels['\(key)'] is '\(value)', not a valid label value; use up to 63 letters, digits, '-', '_' or '.' (quote \"true\")")
            }
        }
        return labels
    }

    private static func checkedAnnotations(_ annotations: [String: String]) throws(OperatorCoreError) -> [String: String] {
        guard annotations.count <= limit else {
            throw OperatorCoreError(.invalidSpec, "spec.podAnnotations has \(annotations.count) entries; keep it to \(limit)")
        }
        for key in annotations.keys.sorted() {
            if key.hasPrefix("jitsudo.dev/") || key == DesiredResources.Annotation.restartedAt {
                throw OperatorCoreError(
                    .invalidSpec,
                    "spec.podAnnotations sets '\(key)', which the operator owns (configuration checksum, certificate restarts); "
                        + "remove it from spec.podAnnotations")
            }
            guard KubernetesNames.isQualifiedName(key) else {
                throw OperatorCoreError(.invalidSpec, "spec.podAnnotations key '\(key)' is not a valid annotation key; use [prefix/]name")
            }
        }
        let size = annotations.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        guard size <= 64 * 1024 else {
            throw OperatorCoreError(.invalidSpec, "spec.podAnnotations holds \(size) bytes; keep it under 64 KiB")
        }
        return annotations
    }

    private static func checkedEnv(_ env: [ClusterSpec.EnvVar]) throws(OperatorCoreError) -> [ClusterSpec.EnvVar] {
        guard env.count <= limit else { throw OperatorCoreError(.invalidSpec, "spec.env has \(env.count) entries; keep it to \(limit)") }
        var seen = Set<String>()
        for (index, entry) in env.enumerated() {
            let field = "spec.env[\(index)]"
            guard KubernetesNames.isEnvName(entry.name) else {
                throw OperatorCoreError(
                    .invalidSpec, "\(field).name '\(entry.name)' is not a variable name; use letters, digits and '_', not starting with a digit")
            }
            if reservedEnv.contains(entry.name) || entry.name.hasPrefix(reservedEnvPrefix) {
                throw OperatorCoreError(
                    .invalidSpec,
                    "\(field) sets \(entry.name), which the operator sets from spec.database and spec.config; change those fields instead")
            }
            guard seen.insert(entry.name).inserted else {
                throw OperatorCoreError(.invalidSpec, "\(field) sets \(entry.name) a second time; keep one entry per name")
            }
            guard let from = entry.valueFrom else { continue }
            guard entry.value == nil else {
                throw OperatorCoreError(.invalidSpec, "\(field) (\(entry.name)) has both value and valueFrom; keep one")
            }
            let kinds = [from.secretKeyRef != nil, from.configMapKeyRef != nil, from.fieldRef != nil].filter { $0 }.count
            guard kinds == 1 else {
                throw OperatorCoreError(
                    .invalidSpec, "\(field).valueFrom (\(entry.name)) must have exactly one of secretKeyRef, configMapKeyRef, fieldRef")
            }
            for (kind, ref) in [("secretKeyRef", from.secretKeyRef), ("configMapKeyRef", from.configMapKeyRef)] {
                guard let ref else { continue }
                guard KubernetesNames.isDNSSubdomain(ref.name), !ref.key.isEmpty else {
                    throw OperatorCoreError(
                        .invalidSpec, "\(field).valueFrom.\(kind) (\(entry.name)) needs the object's name and a key; got '\(ref.name)'/'\(ref.key)'")
                }
            }
            if let path = from.fieldRef?.fieldPath, !fieldPaths.contains(path), !isLabelOrAnnotationPath(path) {
                throw OperatorCoreError(
                    .invalidSpec,
                    "\(field).valueFrom.fieldRef.fieldPath '\(path)' is not one a pod can read; use one of "
                        + "\(fieldPaths.sorted().joined(separator: ", ")), metadata.labels['KEY'] or metadata.annotations['KEY']")
            }
        }
        return env
    }

    private static func isLabelOrAnnotationPath(_ path: String) -> Bool {
        for prefix in ["metadata.labels['", "metadata.annotations['"] where path.hasPrefix(prefix) && path.hasSuffix("']") {
            return KubernetesNames.isQualifiedName(String(path.dropFirst(prefix.count).dropLast(2)))
        }
        return false
    }

    private static func checkedVolumes(_ volumes: [ClusterSpec.Volume]) throws(OperatorCoreError) -> [ClusterSpec.Volume] {
        guard volumes.count <= 8 else { throw OperatorCoreError(.invalidSpec, "spec.extraVolumes has \(volumes.count) entries; keep it to 8") }
        var seen = Set<String>()
        var checked: [ClusterSpec.Volume] = []
        for (index, volume) in volumes.enumerated() {
            let field = "spec.extraVolumes[\(index)]"
            guard KubernetesNames.isDNSLabel(volume.name) else {
                throw OperatorCoreError(
                    .invalidSpec, "\(field).name '\(volume.name)' is not a volume name; use up to 63 lower-case letters, digits, '-'")
            }
            guard !reservedVolumes.contains(volume.name), !volume.name.hasPrefix("kube-api-access-") else {
                throw OperatorCoreError(
                    .invalidSpec, "\(field).name '\(volume.name)' is a volume the operator or Kubernetes declares; pick another name")
            }
            guard seen.insert(volume.name).inserted else {
                throw OperatorCoreError(.invalidSpec, "\(field).name '\(volume.name)' is used twice; give each volume its own name")
            }
            guard let projected = volume.projected, !projected.sources.isEmpty, projected.sources.count <= 4 else {
                throw OperatorCoreError(
                    .invalidSpec,
                    "\(field) (\(volume.name)) must be a projected volume of 1 to 4 serviceAccountToken sources; other volume kinds are not accepted")
            }
            var paths = Set<String>()
            var sources: [ClusterSpec.ProjectionSource] = []
            for (sourceIndex, source) in projected.sources.enumerated() {
                let sourceField = "\(field).projected.sources[\(sourceIndex)]"
                guard var token = source.serviceAccountToken else {
                    throw OperatorCoreError(
                        .invalidSpec, "\(sourceField) (\(volume.name)) is not a serviceAccountToken; only service-account tokens can be projected")
                }
                guard isRelativePath(token.path) else {
                    throw OperatorCoreError(
                        .invalidSpec,
                        "\(sourceField).serviceAccountToken.path '\(token.path)' must be a relative file path without '..' (such as token)")
                }
                guard paths.insert(token.path).inserted else {
                    throw OperatorCoreError(.invalidSpec, "\(sourceField).serviceAccountToken.path '\(token.path)' is used twice in \(volume.name)")
                }
                if let audience = token.audience, audience.isEmpty || audience.count > 253 {
                    throw OperatorCoreError(
                        .invalidSpec, "\(sourceField).serviceAccountToken.audience is empty or too long; leave it out or name the audience")
                }
                let seconds = token.expirationSeconds ?? defaultTokenSeconds
                guard (minimumTokenSeconds...4_294_967_296).contains(seconds) else {
                    throw OperatorCoreError(
                        .invalidSpec, "\(sourceField).serviceAccountToken.expirationSeconds is \(seconds); use \(minimumTokenSeconds) or more")
                }
                token.expirationSeconds = seconds
                sources.append(ClusterSpec.ProjectionSource(serviceAccountToken: token))
            }
            checked.append(ClusterSpec.Volume(name: volume.name, projected: ClusterSpec.ProjectedVolume(sources: sources)))
        }
        return checked
    }

    private static func checkedMounts(
        _ mounts: [ClusterSpec.VolumeMount], volumes: [ClusterSpec.Volume]
    ) throws(OperatorCoreError) -> [ClusterSpec.VolumeMount] {
        let names = Set(volumes.map(\.name))
        var checked: [ClusterSpec.VolumeMount] = []
        for (index, mount) in mounts.enumerated() {
            let field = "spec.extraVolumeMounts[\(index)]"
            guard names.contains(mount.name) else {
                throw OperatorCoreError(
                    .invalidSpec, "\(field) mounts '\(mount.name)', which is not in spec.extraVolumes; declare it there or fix the name")
            }
            guard mount.readOnly != false else {
                throw OperatorCoreError(.invalidSpec, "\(field) (\(mount.name)) sets readOnly false; token volumes are mounted read-only")
            }
            let path = mount.mountPath
            guard path.hasPrefix("/"), path.count > 1, !path.hasSuffix("/"), isRelativePath(String(path.dropFirst())) else {
                throw OperatorCoreError(
                    .invalidSpec, "\(field).mountPath '\(path)' must be an absolute path without '..', '.', '//' or a trailing '/'")
            }
            for other in reservedMountPaths + checked.map(\.mountPath) where overlaps(path, other) {
                throw OperatorCoreError(
                    .invalidSpec, "\(field).mountPath '\(path)' overlaps \(other), which is already mounted; choose a separate directory")
            }
            checked.append(ClusterSpec.VolumeMount(name: mount.name, mountPath: path, readOnly: true))
        }
        for volume in volumes where !checked.contains(where: { $0.name == volume.name }) {
            throw OperatorCoreError(
                .invalidSpec, "spec.extraVolumes '\(volume.name)' is mounted nowhere; add a spec.extraVolumeMounts entry for it or remove it")
        }
        return checked
    }

    /// A relative path of non-empty components, none `.` or `..`, of printable characters.
    private static func isRelativePath(_ path: String) -> Bool {
        guard !path.isEmpty, path.count <= 1024, !path.hasPrefix("/") else { return false }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        return components.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
            && path.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7f && $0 != ":" }
    }

    /// Whether one path is the other or inside it.
    private static func overlaps(_ a: String, _ b: String) -> Bool {
        a == b || a.hasPrefix(b + "/") || b.hasPrefix(a + "/")
    }
}
