import AsyncHTTPClient
public import Foundation
public import KubernetesClient
public import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Runs the pods of mapped images as local processes (see ``PodLaunch`` for how a pod becomes one): started on
/// first sight, Ready only while the readiness probe answers (a `--run-command-image` pod: while its process runs),
/// restarted with back-off after an exit (restartPolicy `Always`, or `OnFailure` after a failure) else finished as
/// `Succeeded`/`Failed`, and on deletion sent SIGTERM (to its process group), waited for up to the grace period, then
/// SIGKILLed. Each pod's files live in `<work dir>/<namespace>/<name>-<uid>`
/// (its volumes, and `container.log` with the process's stdout and stderr), removed once the pod is stopped.
public actor ProcessPodRuntime: PodRuntime {
    static let portAnnotation = "fakelet.jitsudo.dev/port"
    static let pidAnnotation = "fakelet.jitsudo.dev/pid"

    /// `--run-image <image substring>=<binary path or unpacked image bundle directory>`.
    public struct ImageMapping: Sendable, Equatable {
        public var imageSubstring: String
        public var binary: String
        /// Set by ``resolved()`` when `binary` names a directory: the unpacked image its pods run from.
        public var bundle: ImageBundle?

        public init(imageSubstring: String, binary: String, bundle: ImageBundle? = nil) {
            self.imageSubstring = imageSubstring
            self.binary = binary
            self.bundle = bundle
        }

        /// This mapping with its bundle loaded when it names a directory (an image unpacked by `umoci unpack`).
        public func resolved() throws -> ImageMapping {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: binary, isDirectory: &isDirectory), isDirectory.boolValue else { return self }
            var mapping = self
            mapping.bundle = try ImageBundle.load(directory: binary)
            return mapping
        }

        public init?(argument: String) {
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
            self.init(imageSubstring: parts[0], binary: parts[1])
        }
    }

    let mappings: [ImageMapping]
    /// `--run-command-image`: image substrings whose pods run their container's own command on this host.
    let commandImages: [String]
    /// `--volume-root`: a `persistentVolumeClaim` volume is `<volume root>/<claimName>`.
    let volumeRoot: URL?
    let client: KubernetesClient
    let workDirectory: URL
    let logger: Logger
    let onChange: @Sendable (PodKey) -> Void
    let http = ReadinessProbe.makeClient()

    private var slots: [String: Slot] = [:]

    private enum Slot {
        case starting
        case failedToStart(String)
        case running(Instance)
    }

    private struct Instance {
        var key: PodKey
        var pod: Pod
        var ticks = 0
        var directory: URL
        var launch: PodLaunch
        /// Nil for command pods: they are ready while their process runs.
        var probe: ReadinessProbe?
        var restartPolicy: String
        var process: Process
        var ready = false
        var restartCount = 0
        var exitCode: Int32?
        var exitedAt: ContinuousClock.Instant?
        /// The last exit of the container's process (`lastState` once it has been restarted, as a kubelet reports it).
        var lastTermination: PodRunState.Termination?
        var stopping = false
        var monitor: Task<Void, Never>?
        var log: URL { directory.appendingPathComponent(ProcessPodRuntime.logName) }
    }

    public init(
        mappings: [ImageMapping], commandImages: [String] = [], volumeRoot: URL? = nil, client: KubernetesClient, workDirectory: URL, logger: Logger,
        onChange: @escaping @Sendable (PodKey) -> Void
    ) {
        self.mappings = mappings
        self.commandImages = commandImages
        self.volumeRoot = volumeRoot
        self.client = client
        self.workDirectory = workDirectory
        self.logger = logger
        self.onChange = onChange
    }

    /// What `pod` runs as: the binary of the first `--run-image` mapping whose substring its (single) container's image
    /// contains, else its own command when the image contains a `--run-command-image` substring; nil: simulated.
    nonisolated func entrypoint(for pod: Pod) -> PodLaunch.Entrypoint? {
        guard let image = pod.spec?.containers.first?.image else { return nil }
        if let mapping = mappings.first(where: { image.contains($0.imageSubstring) }) {
            return mapping.bundle.map { .imageBundle($0) } ?? .mappedBinary(mapping.binary)
        }
        return commandImages.contains { image.contains($0) } ? .command : nil
    }

    nonisolated func runs(_ pod: Pod) -> Bool { entrypoint(for: pod) != nil }

    public func sync(_ pod: Pod) async -> PodRunState {
        guard let uid = pod.metadata.uid else { return PodRunState(phase: "Pending", ready: false, message: "the pod has no uid yet") }
        switch slots[uid] {
        case nil:
            slots[uid] = .starting
            return await start(pod, uid: uid)
        case .starting:
            return PodRunState(phase: "Pending", ready: false, message: "starting", container: .waiting(reason: "ContainerCreating"))
        case .failedToStart(let message):
            return PodRunState(phase: "Pending", ready: false, message: message, container: .waiting(reason: "CreateContainerConfigError"))
        case .running(let instance):
            return state(of: instance)
        }
    }

    public func stop(_ pod: Pod) async {
        guard let uid = pod.metadata.uid else { return }
        while case .starting = slots[uid] { try? await Task.sleep(for: .milliseconds(100)) }
        guard case .running(var instance) = slots[uid] else {
            slots[uid] = nil
            return
        }
        instance.stopping = true
        instance.monitor?.cancel()
        slots[uid] = .running(instance)
        let grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30
        let outcome = await terminate([instance.process], grace: .seconds(max(grace, 1)))
        logger.info(
            "pod process stopped",
            metadata: ["pod": "\(instance.key.namespace)/\(instance.key.name)", "pid": "\(instance.process.processIdentifier)", "how": "\(outcome)"])
        slots[uid] = nil
        try? FileManager.default.removeItem(at: instance.directory)
    }

    public func shutdown() async {
        var processes: [Process] = []
        for (uid, slot) in slots {
            guard case .running(var instance) = slot else { continue }
            instance.stopping = true
            instance.monitor?.cancel()
            slots[uid] = .running(instance)
            processes.append(instance.process)
        }
        _ = await terminate(processes, grace: .seconds(3))
        slots = [:]
        try? FileManager.default.removeItem(at: workDirectory)
        try? await http.shutdown()
    }

    // MARK: - Starting

    private func start(_ pod: Pod, uid: String) async -> PodRunState {
        let key = PodKey(namespace: pod.metadata.namespace ?? "default", name: pod.metadata.name ?? "")
        let directory = workDirectory.appendingPathComponent(key.namespace).appendingPathComponent("\(key.name)-\(uid.prefix(8))")
        do {
            guard let entrypoint = entrypoint(for: pod) else { throw PodLaunch.Failure("the image is not run by the process runtime") }
            if case .mappedBinary(let binary) = entrypoint, !FileManager.default.isExecutableFile(atPath: binary) {
                throw PodLaunch.Failure(
                    "the binary for image \(pod.spec?.containers.first?.image ?? "") (\(binary)) is not an executable file: build it")
            }
            try? FileManager.default.removeItem(at: directory)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let launch = try await PodLaunch.prepare(
                pod, entrypoint: entrypoint, client: client, directory: directory, volumeRoot: volumeRoot, localPort: try Self.freePort())
            let raw = pod.spec?.object.members["containers"]?.arrayValue?.first
            let probe = entrypoint == .command ? nil : try ReadinessProbe.of(raw?["readinessProbe"], launch: launch)
            let process = try spawn(launch, in: directory)
            var instance = Instance(
                key: key, pod: pod, directory: directory, launch: launch, probe: probe, restartPolicy: pod.spec?.restartPolicy ?? "Always",
                process: process, ready: probe == nil)
            instance.monitor = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(500))
                    guard let self, await self.tick(uid) else { return }
                }
            }
            slots[uid] = .running(instance)
            logger.info(
                "pod process started",
                metadata: [
                    "pod": "\(key.namespace)/\(key.name)", "pid": "\(instance.process.processIdentifier)",
                    "port": "\(launch.published?.localPort ?? 0)", "executable": "\(launch.executable)",
                ])
            return state(of: instance)
        } catch {
            let message = "\(error)"
            logger.warning("pod process not started", metadata: ["pod": "\(key.namespace)/\(key.name)", "error": "\(message)"])
            slots[uid] = .failedToStart(message)
            try? FileManager.default.removeItem(at: directory)
            Task { [weak self] in
                try? await Task.sleep(for: .seconds(3))
                await self?.retry(uid, key)
            }
            return PodRunState(phase: "Pending", ready: false, message: message, container: .waiting(reason: "CreateContainerConfigError"))
        }
    }

    /// After a failed start: forget it and have the fakelet sync the pod again (which starts it afresh).
    private func retry(_ uid: String, _ key: PodKey) {
        guard case .failedToStart = slots[uid] else { return }
        slots[uid] = nil
        onChange(key)
    }

    static let env = "/usr/bin/env"
    static let logName = "container.log"
    static let previousLogName = "container.previous.log"

    /// The output file of pod `namespace/pod`'s process (its previous, exited one with `previous`) under
    /// `workDirectory`, by the layout ``start`` creates (`<namespace>/<pod>-<uid prefix>/`); nil when the pod runs no
    /// process here or has no such output. Read without the actor: the files are only ever appended or renamed.
    nonisolated public static func logFile(workDirectory: URL, namespace: String, pod: String, previous: Bool) -> URL? {
        let base = workDirectory.appendingPathComponent(namespace)
        let entries = (try? FileManager.default.contentsOfDirectory(at: base, includingPropertiesForKeys: [.contentModificationDateKey])) ?? []
        let directories = entries.filter { $0.lastPathComponent.hasPrefix(pod + "-") && $0.lastPathComponent.count == pod.count + 9 }
        let newest = directories.max { a, b in
            let date = { (url: URL) in (try? url.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast }
            return date(a) < date(b)
        }
        guard let file = newest?.appendingPathComponent(previous ? previousLogName : logName),
            FileManager.default.fileExists(atPath: file.path)
        else { return nil }
        return file
    }

    private func spawn(_ launch: PodLaunch, in directory: URL) throws -> Process {
        let log = directory.appendingPathComponent(Self.logName)
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let output = try FileHandle(forWritingTo: log)
        output.seekToEndOfFile()
        let process = Process()
        // The fakelet ignores SIGTERM/SIGINT (its signal sources) and an ignored signal stays ignored across exec:
        // `env --default-signal` (GNU coreutils ≥ 8.31) execs the container's command with every signal at its
        // default, as a container starts, so SIGTERM stops a shell and its pipeline.
        if FileManager.default.isExecutableFile(atPath: Self.env) {
            process.executableURL = URL(fileURLWithPath: Self.env)
            // Absolute (a relative --run-image binary is relative to the fakelet, not to the pod's directory).
            process.arguments = ["--default-signal", "--", URL(fileURLWithPath: launch.executable).path] + launch.arguments
        } else {
            process.executableURL = URL(fileURLWithPath: launch.executable)
            process.arguments = launch.arguments
        }
        var environment = ["PATH": PodLaunch.defaultPath, "HOME": directory.path]
        for (name, value) in launch.environment { environment[name] = value }
        process.environment = environment
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try? output.close()
        return process
    }

    // MARK: - Watching

    /// One look at the pod's process: exit, readiness, restart. False once the pod is gone or being stopped.
    private func tick(_ uid: String) async -> Bool {
        guard case .running(var instance) = slots[uid], !instance.stopping else { return false }
        if instance.process.isRunning {
            instance.ticks += 1
            slots[uid] = .running(instance)
            if instance.ticks % 4 == 0 { await refreshVolumes(of: instance) }
            let ready = await instance.probe?.check(with: http) ?? true
            guard case .running(var current) = slots[uid], !current.stopping, current.process === instance.process else { return !Task.isCancelled }
            if current.process.isRunning, ready != current.ready {
                current.ready = ready
                slots[uid] = .running(current)
                onChange(current.key)
            }
            return true
        }
        if instance.exitCode == nil {
            let process = instance.process
            instance.exitCode = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
            instance.exitedAt = .now
            instance.lastTermination = .init(exitCode: instance.exitCode ?? 0, output: Self.tail(of: instance.log), finishedAt: Date())
            instance.ready = false
            slots[uid] = .running(instance)
            logger.warning(
                "pod process exited",
                metadata: [
                    "pod": "\(instance.key.namespace)/\(instance.key.name)", "pid": "\(process.processIdentifier)",
                    "status": "\(instance.exitCode ?? 0)",
                    "output": "\(Self.tail(of: instance.log))",
                ])
            onChange(instance.key)
            return true
        }
        guard restarts(instance), let exitedAt = instance.exitedAt, ContinuousClock.now - exitedAt >= backoff(instance) else {
            return restarts(instance)
        }
        do {
            // The exited process's output stays readable as the previous container's (`kubectl logs --previous`).
            let previous = instance.directory.appendingPathComponent(Self.previousLogName)
            try? FileManager.default.removeItem(at: previous)
            try? FileManager.default.moveItem(at: instance.log, to: previous)
            instance.process = try spawn(instance.launch, in: instance.directory)
            instance.restartCount += 1
            instance.exitCode = nil
            instance.exitedAt = nil
            slots[uid] = .running(instance)
            onChange(instance.key)
        } catch {
            logger.warning("pod process not restarted", metadata: ["pod": "\(instance.key.namespace)/\(instance.key.name)", "error": "\(error)"])
            instance.exitedAt = .now
            slots[uid] = .running(instance)
        }
        return true
    }

    /// Every 2 s: the ConfigMap and Secret volumes rewritten where their objects changed (failures keep the old files).
    private func refreshVolumes(of instance: Instance) async {
        guard let spec = instance.pod.spec, let container = spec.containers.first else { return }
        do {
            _ = try await PodLaunch.materialiseVolumes(
                spec, container: container, sources: ObjectSource(client: client, namespace: instance.key.namespace), directory: instance.directory,
                volumeRoot: volumeRoot, rewritesPaths: entrypoint(for: instance.pod)?.seesHostFileSystem ?? true)
        } catch {
            logger.debug("pod volumes not refreshed", metadata: ["pod": "\(instance.key.namespace)/\(instance.key.name)", "error": "\(error)"])
        }
    }

    private func restarts(_ instance: Instance) -> Bool {
        switch instance.restartPolicy {
        case "Never": false
        case "OnFailure": instance.exitCode != 0
        default: true
        }
    }

    /// 1 s, 2 s, 4 s … up to 30 s between restarts (the kubelet's CrashLoopBackOff, shortened for tests).
    private func backoff(_ instance: Instance) -> Duration { .seconds(min(1 << min(instance.restartCount, 5), 30)) }

    private func state(of instance: Instance) -> PodRunState {
        var annotations = [Self.pidAnnotation: String(instance.process.processIdentifier)]
        if let published = instance.launch.published { annotations[Self.portAnnotation] = String(published.localPort) }
        guard let exitCode = instance.exitCode else {
            let waiting = instance.probe.map { "waiting for the readiness probe \($0.url)" }
            return PodRunState(
                phase: "Running", ready: instance.ready, message: instance.ready ? nil : waiting, annotations: annotations,
                restartCount: instance.restartCount, lastTermination: instance.lastTermination)
        }
        let output = Self.tail(of: instance.log)
        let message = "\(URL(fileURLWithPath: instance.launch.executable).lastPathComponent) exited with status \(exitCode): \(output)"
        if restarts(instance) {
            return PodRunState(
                phase: "Running", ready: false, message: message, annotations: annotations, restartCount: instance.restartCount,
                container: .waiting(reason: "CrashLoopBackOff"), lastTermination: instance.lastTermination)
        }
        return PodRunState(
            phase: exitCode == 0 ? "Succeeded" : "Failed", ready: false, message: message, annotations: annotations,
            restartCount: instance.restartCount, container: .terminated(exitCode: exitCode, output: output))
    }

    /// The last lines of a process's output (for the pod's status message).
    static func tail(of log: URL, lines: Int = 3) -> String {
        guard let data = try? Data(contentsOf: log) else { return "(no output)" }
        let text = String(decoding: data.suffix(2048), as: UTF8.self)
        let last = text.split(separator: "\n").suffix(lines).joined(separator: " | ")
        return last.isEmpty ? "(no output)" : last
    }

    // MARK: - Processes

    enum Termination: String { case exited, terminated, killed }

    /// SIGTERM to each, then up to `grace` for them to exit, then SIGKILL to those left; returns once all are gone.
    private func terminate(_ processes: [Process], grace: Duration) async -> Termination {
        let running = processes.filter(\.isRunning)
        guard !running.isEmpty else { return .exited }
        for process in running { Self.signal(process, SIGTERM) }
        let deadline = ContinuousClock.now + grace
        while running.contains(where: \.isRunning), ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        let left = running.filter(\.isRunning)
        guard !left.isEmpty else { return .terminated }
        for process in left { Self.signal(process, SIGKILL) }
        while left.contains(where: \.isRunning) { try? await Task.sleep(for: .milliseconds(20)) }
        return .killed
    }

    /// Sends `number` to the process's group (Foundation starts each child as the leader of its own group), so a
    /// container's shell and the commands of its pipeline stop together, as a container runtime stops them all.
    /// Only while the leader still runs: its pid then names our group and nothing else.
    private static func signal(_ process: Process, _ number: Int32) {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        if getpgid(pid) == pid, kill(-pid, number) == 0 { return }
        kill(pid, number)
    }

    /// A loopback port nothing listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PodLaunch.Failure("cannot open a socket to find a free port") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw PodLaunch.Failure("no free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
