import Foundation
public import KubernetesClient
public import Logging
import Synchronization

/// The kubelet's part, level-triggered per pod: a pending pod is bound to the fake node; a bound pod's status
/// is made to match what the ``PodRuntime`` reports; a deleted pod is stopped by the runtime, then finished
/// (`--grace-period=0` semantics) unless annotated to stay terminating.
public struct Fakelet: Sendable {
    public static let readyAnnotation = "fakelet.jitsudo.dev/ready"
    public static let stuckTerminatingAnnotation = "fakelet.jitsudo.dev/stuck-terminating"

    let client: KubernetesClient
    let nodeName: String
    let runtime: any PodRuntime
    let logger: Logger
    /// The uids of pods being stopped (stopping waits for a process to exit; other pods are not held up meanwhile).
    let finishing = Finishing()

    public init(client: KubernetesClient, nodeName: String, runtime: any PodRuntime, logger: Logger) {
        self.client = client
        self.nodeName = nodeName
        self.runtime = runtime
        self.logger = logger
    }

    final class Finishing: Sendable {
        let uids = Mutex<Set<String>>([])
    }

    /// Creates the fake Node (if missing) and reports it Ready.
    /// `kubeletPort`: where the container-log API listens (the API server proxies `kubectl logs` to it).
    public func registerNode(kubeletPort: Int? = nil) async throws {
        do {
            _ = try await client.create(Node(name: nodeName, labels: ["kubernetes.io/hostname": nodeName, "jitsudo.dev/fakelet": "true"]))
        } catch let error as KubernetesError where error.code == .alreadyExists {}
        let now = JSONValue.string(KubernetesTime.format(Date()))
        let status: JSONValue = [
            "status": [
                "conditions": [["type": "Ready", "status": "True", "reason": "FakeletReady", "lastHeartbeatTime": now, "lastTransitionTime": now]],
                "capacity": ["cpu": "64", "memory": "256Gi", "pods": "1000"],
                "allocatable": ["cpu": "64", "memory": "256Gi", "pods": "1000"],
                "addresses": [["type": "InternalIP", "address": "127.0.0.1"]],
                "daemonEndpoints": ["kubeletEndpoint": ["Port": .number(Double(kubeletPort ?? 0))]],
            ]
        ]
        _ = try await client.patch(Node.self, name: nodeName, subresource: "status", .merge(status))
    }

    /// Watches every pod until cancelled, and reconciles the pods the runtime names in `changes` (a process became
    /// ready or exited); `onSynced` runs once after the first full pass.
    public func run(changes: AsyncStream<PodKey>, onSynced: @escaping @Sendable () -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watch(onSynced: onSynced) }
            group.addTask {
                for await key in changes {
                    guard let pod = try? await client.get(Pod.self, name: key.name, namespace: key.namespace) else { continue }
                    await reconcileLogging(pod)
                }
            }
            _ = try await group.next()
            group.cancelAll()
        }
    }

    private func watch(onSynced: @Sendable () -> Void) async throws {
        let watcher = ResourceWatcher<Pod>(client: client, resource: .pods, allNamespaces: true, watchTimeoutSeconds: 120)
        var announced = false
        try await watcher.run { change in
            switch change {
            case .relisted(let pods, _):
                for pod in pods { await reconcileLogging(pod) }
                if !announced {
                    announced = true
                    onSynced()
                }
            case .added(let pod), .modified(let pod):
                await reconcileLogging(pod)
            case .deleted:
                break
            }
        }
    }

    private func reconcileLogging(_ pod: Pod) async {
        do {
            try await reconcile(pod)
        } catch let error as KubernetesError where error.code == .notFound || error.code == .conflict {
            // Gone or changed meanwhile: the next event brings the fresh state.
        } catch {
            logger.warning(
                "fakelet could not handle a pod",
                metadata: ["pod": "\(pod.metadata.namespace ?? "")/\(pod.metadata.name ?? "")", "error": "\(error)"])
        }
    }

    /// One level-triggered step for `pod`.
    func reconcile(_ pod: Pod) async throws {
        guard let name = pod.metadata.name, let namespace = pod.metadata.namespace else { return }
        let boundNode = pod.spec?.nodeName
        if pod.metadata.deletionTimestamp != nil {
            guard boundNode == nodeName, pod.metadata.annotations?[Self.stuckTerminatingAnnotation] != "true" else { return }
            let uid = pod.metadata.uid ?? "\(namespace)/\(name)"
            guard finishing.uids.withLock({ $0.insert(uid).inserted }) else { return }
            Task {
                defer { _ = finishing.uids.withLock { $0.remove(uid) } }
                await runtime.stop(pod)
                do {
                    try await client.deleteIfPresent(
                        Pod.self, name: name, namespace: namespace,
                        options: DeleteOptions(
                            gracePeriodSeconds: 0, preconditions: .init(uid: pod.metadata.uid)))
                    logger.debug("pod finished", metadata: ["pod": "\(namespace)/\(name)"])
                } catch {
                    logger.warning("fakelet could not finish a pod", metadata: ["pod": "\(namespace)/\(name)", "error": "\(error)"])
                }
            }
            return
        }
        guard let boundNode else {
            try await client.bind(pod: name, namespace: namespace, to: nodeName)
            return
        }
        guard boundNode == nodeName else { return }
        if let phase = pod.status?.phase, phase == "Succeeded" || phase == "Failed" { return }
        let state = await runtime.sync(pod)
        var pod = pod
        if state.annotations.contains(where: { pod.metadata.annotations?[$0.key] != $0.value }) {
            let patch: JSONValue = ["metadata": ["annotations": .object(state.annotations.mapValues { .string($0) })]]
            // The status write below carries the pod's resourceVersion: the patched pod's, not the stale one.
            pod = try await client.patch(Pod.self, name: name, namespace: namespace, .merge(patch))
        }
        guard needsStatusUpdate(pod, to: state) else { return }
        try await writeStatus(of: pod, state)
    }

    /// True when the reported phase, readiness, message or restart count differs from `state`.
    func needsStatusUpdate(_ pod: Pod, to state: PodRunState) -> Bool {
        pod.status?.phase != state.phase || pod.isReady != state.ready || pod.status?.podIP == nil || pod.status?.message != state.message
            || (pod.status?.containerStatuses?.first?["restartCount"]?.intValue ?? 0) != state.restartCount
    }

    private func writeStatus(of pod: Pod, _ state: PodRunState) async throws {
        let now = JSONValue.string(KubernetesTime.format(Date()))
        let readyText: JSONValue = state.ready ? "True" : "False"
        let running: JSONValue
        switch state.container {
        case .running where state.phase == "Running": running = ["running": ["startedAt": now]]
        case .running, .waiting: running = ["waiting": ["reason": .string(state.container.waitingReason ?? "ContainerCreating")]]
        case .terminated(let code, let output):
            running = [
                "terminated": [
                    "exitCode": .number(Double(code)), "reason": .string(code == 0 ? "Completed" : "Error"), "message": .string(output),
                    "finishedAt": now,
                ]
            ]
        }
        let lastState: JSONValue =
            state.lastTermination.map { last in
                [
                    "terminated": [
                        "exitCode": .number(Double(last.exitCode)), "reason": .string(last.exitCode == 0 ? "Completed" : "Error"),
                        "message": .string(last.output), "finishedAt": .string(KubernetesTime.format(last.finishedAt)),
                    ]
                ]
            } ?? [:]
        let containers = (pod.spec?.containers ?? []).map { container -> JSONValue in
            [
                "name": .string(container.name), "image": .string(container.image ?? ""), "imageID": .string("fakelet://\(container.image ?? "")"),
                "ready": .bool(state.ready), "started": true, "restartCount": .number(Double(state.restartCount)),
                "state": running, "lastState": lastState,
            ]
        }
        var status: JSONValue = [
            "phase": .string(state.phase),
            "hostIP": "127.0.0.1",
            "podIP": "127.0.0.1",
            "podIPs": [["ip": "127.0.0.1"]],
            "conditions": [
                ["type": "Initialized", "status": "True", "lastTransitionTime": now],
                ["type": "Ready", "status": readyText, "lastTransitionTime": now],
                ["type": "ContainersReady", "status": readyText, "lastTransitionTime": now],
                ["type": "PodScheduled", "status": "True", "lastTransitionTime": now],
            ],
            "containerStatuses": .array(containers),
        ]
        if pod.status?.startTime == nil { status["startTime"] = now }
        status["message"] = state.message.map { JSONValue.string($0) } ?? .null
        var patch: JSONValue = ["status": status]
        patch["metadata"] = ["resourceVersion": .string(pod.metadata.resourceVersion ?? "")]
        _ = try await client.patch(Pod.self, name: pod.metadata.name ?? "", namespace: pod.metadata.namespace, subresource: "status", .merge(patch))
    }
}

extension PodRunState.ContainerState {
    var waitingReason: String? {
        if case .waiting(let reason) = self { return reason }
        return nil
    }
}
