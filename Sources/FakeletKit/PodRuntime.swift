import Foundation
public import KubernetesClient

/// What a pod bound to the fake node is doing, as the fakelet reports it.
public struct PodRunState: Sendable, Hashable {
    /// `Running`, `Succeeded`, `Failed` or `Pending`.
    var phase: String
    var ready: Bool
    var message: String?
    /// Annotations the fakelet adds to the pod (for a process: its loopback port and pid).
    var annotations: [String: String] = [:]
    /// Restarts of the container so far (a process that exited and was started again).
    var restartCount = 0
    /// The container's state in `containerStatuses`: `running`, `waiting` (with `reason`) or `terminated` (with
    /// `exitCode`, and the reason `Completed` or `Error` and the last output lines as its message, as a kubelet
    /// reports a container with `terminationMessagePolicy: FallbackToLogsOnError`).
    var container: ContainerState = .running
    /// The container's last exit, reported as `lastState.terminated` (what `kubectl describe pod` shows as Last State).
    var lastTermination: Termination?

    struct Termination: Sendable, Hashable {
        var exitCode: Int32
        var output: String
        var finishedAt: Date
    }

    enum ContainerState: Sendable, Hashable {
        case running
        case waiting(reason: String)
        case terminated(exitCode: Int32, output: String)
    }
}

/// The namespace and name of a pod whose state changed on its own (a process became ready or exited).
public struct PodKey: Sendable, Hashable {
    public var namespace: String
    public var name: String
}

/// Runs (or pretends to run) the pods of the fake node: a runtime starts what it runs in `sync` on first sight,
/// reports its state on later calls, and stops it in `stop`. A state change the runtime sees on its own (a process
/// became ready, exited) is announced through the `onChange` it was made with, so the fakelet reconciles that pod.
public protocol PodRuntime: Sendable {
    /// Called on every change of a pod bound to the fake node; returns the state to report.
    func sync(_ pod: Pod) async -> PodRunState
    /// Called once the pod is being deleted, before the fakelet removes it; returns when nothing of it runs any more.
    func stop(_ pod: Pod) async
    /// Stops everything still running (the fakelet is exiting).
    func shutdown() async
}

/// Runs nothing: every pod is `Running`, and `Ready` unless annotated `fakelet.jitsudo.dev/ready: "false"`.
struct SimulatedPodRuntime: PodRuntime {
    func sync(_ pod: Pod) async -> PodRunState {
        let ready = pod.metadata.annotations?[Fakelet.readyAnnotation] != "false"
        return PodRunState(phase: "Running", ready: ready, message: ready ? nil : "kept not ready by \(Fakelet.readyAnnotation)")
    }

    func stop(_ pod: Pod) async {}
    func shutdown() async {}
}

/// Pods whose image has a `--run-image` mapping go to the process runtime; every other pod is simulated.
public struct ImageRoutingRuntime: PodRuntime {
    let processes: ProcessPodRuntime
    let simulated = SimulatedPodRuntime()

    public init(processes: ProcessPodRuntime) { self.processes = processes }

    public func sync(_ pod: Pod) async -> PodRunState {
        processes.runs(pod) ? await processes.sync(pod) : await simulated.sync(pod)
    }

    public func stop(_ pod: Pod) async {
        if processes.runs(pod) { await processes.stop(pod) } else { await simulated.stop(pod) }
    }

    public func shutdown() async { await processes.shutdown() }
}
