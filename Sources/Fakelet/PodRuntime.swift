import KubernetesClient

/// What a pod bound to the fake node is doing, as the fakelet reports it.
struct PodRunState: Sendable, Hashable {
    /// `Running`, `Succeeded`, `Failed` or `Pending`.
    var phase: String
    var ready: Bool
    var message: String?
}

/// Runs (or pretends to run) the pods of the fake node. The seam for running known images as local processes
/// (the `jitsudod` image as the built jitsudod binary with the pod's env, a Job as its command): such a runtime
/// starts a process in `sync` on first sight, reports its state on later calls, and kills it in `stop`.
protocol PodRuntime: Sendable {
    /// Called on every change of a pod bound to the fake node; returns the state to report.
    func sync(_ pod: Pod) async -> PodRunState
    /// Called once the pod is being deleted, before the fakelet removes it.
    func stop(_ pod: Pod) async
}

/// Runs nothing: every pod is `Running`, and `Ready` unless annotated `fakelet.jitsudo.dev/ready: "false"`.
struct SimulatedPodRuntime: PodRuntime {
    func sync(_ pod: Pod) async -> PodRunState {
        let ready = pod.metadata.annotations?[Fakelet.readyAnnotation] != "false"
        return PodRunState(phase: "Running", ready: ready, message: ready ? nil : "kept not ready by \(Fakelet.readyAnnotation)")
    }

    func stop(_ pod: Pod) async {}
}
