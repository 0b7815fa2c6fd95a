import KubernetesClient

/// The parts of a pod's and its container's `securityContext` that decide how a container runs from its image: the
/// container's fields win over the pod's, as in a kubelet.
struct SecurityContext: Equatable {
    var runAsUser: Int?
    var runAsGroup: Int?
    var readOnlyRootFilesystem: Bool

    init(pod: JSONValue?, container: JSONValue?) {
        runAsUser = container?["runAsUser"]?.intValue ?? pod?["runAsUser"]?.intValue
        runAsGroup = container?["runAsGroup"]?.intValue ?? pod?["runAsGroup"]?.intValue
        readOnlyRootFilesystem = container?["readOnlyRootFilesystem"]?.boolValue ?? false
    }
}
