import Foundation
import KubernetesClient

/// How a pod's single container becomes a local process: what a kubelet would hand the container runtime,
/// mapped onto this machine.
///
/// - Volumes (`configMap`, `secret`, `emptyDir`) are materialised as files under `<pod dir>/volumes/<volume>`, and
///   refreshed while the process runs (a renewed Secret reaches the files, as with a kubelet). A
///   `persistentVolumeClaim` volume is the host directory `<volume root>/<claimName>` (`--volume-root`); the claim
///   must exist in the pod's namespace and the directory on the host (else the pod stays Pending, naming which).
/// - Each `volumeMounts[].mountPath` is rewritten to that directory wherever it appears in the args, in the env
///   values and in the text of the ConfigMap files (so `tls.cert_file: /etc/jitsudo/tls/tls.crt` in a config file
///   points at the materialised Secret).
/// - Env is resolved as the kubelet does: `envFrom` first, then `env` (later wins); `value` with `$(VAR)` expansion,
///   `secretKeyRef`, `configMapKeyRef` (both honouring `optional`), `fieldRef` for `metadata.name`,
///   `metadata.namespace`, `metadata.uid`, `spec.nodeName`, `spec.serviceAccountName`, `status.podIP`, `status.hostIP`.
/// - ``Entrypoint/mappedBinary`` (`--run-image`): the mapped binary is the image's entrypoint, the arguments are
///   `command[1...]` (when a command is set) then `args`; the container's first port is published on a free loopback
///   port, given to the process as `JITSUDOD_HTTP_ADDR=127.0.0.1:<port>` (it wins over the pod's own value).
/// - ``Entrypoint/command`` (`--run-command-image`): the container's own `command[0]` is run on this host (looked up
///   in the pod's `PATH` unless it is a path), with `command[1...]` then `args`; nothing is published.
/// - ``Entrypoint/imageBundle(_:)`` (`--run-image` naming an unpacked image): the container runs from the image's own
///   root filesystem (``ImageBundle``), its volumes bound at their mount paths (nothing is rewritten), as the pod's
///   `runAsUser`/`runAsGroup` or else the image's user, read-only with `readOnlyRootFilesystem`; its environment is the
///   image's, then the pod's. The first container port is published as for a mapped binary.
struct PodLaunch: Sendable, Equatable {
    /// What runs a pod's container here.
    enum Entrypoint: Sendable, Equatable {
        /// A binary given by `--run-image` stands for the image's entrypoint (a server with a published port).
        case mappedBinary(String)
        /// The container's own `command` runs on this host (`--run-command-image`).
        case command
        /// The container runs from an unpacked image's root filesystem (`--run-image` naming a bundle directory).
        case imageBundle(ImageBundle)

        /// Whether the process sees this host's file system (so mount paths are rewritten to the volumes' directories).
        var seesHostFileSystem: Bool {
            if case .imageBundle = self { return false }
            return true
        }
    }

    /// A container port published on loopback.
    struct Published: Sendable, Equatable {
        var containerPort: Int
        var localPort: Int
    }

    var executable: String
    var arguments: [String]
    var environment: [String: String]
    /// The container port that is published, and where (mapped binaries only).
    var published: Published?
    /// `name → containerPort` of the container's ports (for probes naming a port).
    var namedPorts: [String: Int]

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Resolves `pod` (reading its ConfigMaps, Secrets and PersistentVolumeClaims through `client`) and materialises
    /// its volumes in `directory`; `localPort` is where a mapped binary's first container port is published.
    static func prepare(
        _ pod: Pod, entrypoint: Entrypoint, client: KubernetesClient, directory: URL, volumeRoot: URL?, localPort: Int
    ) async throws -> PodLaunch {
        guard let spec = pod.spec, spec.containers.count == 1, let container = spec.containers.first else {
            throw Failure("the process runtime runs pods of exactly one container; this pod has \(pod.spec?.containers.count ?? 0)")
        }
        let namespace = pod.metadata.namespace ?? "default"
        let sources = ObjectSource(client: client, namespace: namespace)
        let bundle: ImageBundle? = if case .imageBundle(let bundle) = entrypoint { bundle } else { nil }
        let volumeMounts = try await materialiseVolumes(
            spec, container: container, sources: sources, directory: directory, volumeRoot: volumeRoot, rewritesPaths: bundle == nil)
        // Paths are rewritten to the materialised volumes only where the process sees the host's file system.
        let mounts = bundle == nil ? volumeMounts : []
        let raw = spec.object.members["containers"]?.arrayValue?.first ?? [:]
        var environment = try await resolveEnvironment(pod, container: container, envFrom: raw["envFrom"]?.arrayValue ?? [], sources: sources)
        let ports = (container.ports ?? []).compactMap { port -> (String?, Int)? in
            guard let number = port["containerPort"]?.intValue else { return nil }
            return (port["name"]?.stringValue, number)
        }
        for (key, value) in environment { environment[key] = rewrite(value, mounts) }
        let executable: String
        var published: Published?
        func publish() throws {
            guard let port = ports.first?.1 else {
                throw Failure("container \(container.name) declares no containerPort: the process runtime needs one to publish on loopback")
            }
            published = Published(containerPort: port, localPort: localPort)
            environment["JITSUDOD_HTTP_ADDR"] = "127.0.0.1:\(localPort)"
        }
        switch entrypoint {
        case .imageBundle(let bundle):
            try publish()
            environment = bundle.environment.merging(environment) { _, pod in pod }
            environment["PATH"] = environment["PATH"] ?? defaultPath
            environment["HOME"] = environment["HOME"] ?? "/"
            let security = SecurityContext(pod: spec.object.members["securityContext"], container: raw["securityContext"])
            let command = bundle.command(containerCommand: container.command, args: container.args).map { expand($0, environment) }
            let launch = bundle.launch(
                command: command, podDirectory: directory.path, mounts: volumeMounts, uid: security.runAsUser ?? bundle.uid,
                gid: security.runAsGroup ?? bundle.gid, readOnlyRoot: security.readOnlyRootFilesystem)
            return PodLaunch(
                executable: launch.executable, arguments: launch.arguments, environment: environment, published: published,
                namedPorts: Dictionary(ports.compactMap { name, number in name.map { ($0, number) } }, uniquingKeysWith: { first, _ in first }))
        case .mappedBinary(let binary):
            try publish()
            executable = binary
        case .command:
            guard let first = container.command?.first, !first.isEmpty else {
                throw Failure(
                    "container \(container.name) has no command: a --run-command-image pod runs its own command on this host "
                        + "(the image's entrypoint is not known here)")
            }
            executable = try locate(rewrite(expand(first, environment), mounts), path: environment["PATH"] ?? defaultPath)
        }
        let arguments = (container.command.map { Array($0.dropFirst()) } ?? []) + (container.args ?? [])
        return PodLaunch(
            executable: executable, arguments: arguments.map { rewrite(expand($0, environment), mounts) }, environment: environment,
            published: published,
            namedPorts: Dictionary(ports.compactMap { name, number in name.map { ($0, number) } }, uniquingKeysWith: { first, _ in first })
        )
    }

    /// The `PATH` a process gets when its pod sets none.
    static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

    /// `name` when it is a path, else the first executable `<dir>/<name>` of `path` (as a container runtime's exec).
    static func locate(_ name: String, path: String) throws -> String {
        if name.contains("/") {
            guard FileManager.default.isExecutableFile(atPath: name) else { throw Failure("command \(name) is not an executable file on this host") }
            return name
        }
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw Failure("command \(name) is not found in PATH \(path) on this host: install it")
    }

    /// `(mountPath, local directory)` of each mount, longest mount path first.
    typealias Mounts = [(mountPath: String, local: String)]

    /// Replaces each mount path in `text` by its local directory, in one pass (a replacement is never rewritten again)
    /// and only where the mount path stands as a whole path prefix: not preceded by a path character or `/`, and
    /// followed by `/`, the end, or a character that is not part of a name. So with a mount at `/backup`,
    /// `/backup/daily/backup.sql.gz` becomes `<local>/daily/backup.sql.gz`, and `/backups` or `/x/backup` stay.
    static func rewrite(_ text: String, _ mounts: Mounts) -> String {
        guard !mounts.isEmpty else { return text }
        let characters = Array(text)
        let candidates = mounts.map { (Array($0.mountPath), $0.local) }.sorted { $0.0.count > $1.0.count }
        func isNameCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "-" || c == "." }
        var result = ""
        var index = 0
        scan: while index < characters.count {
            if index == 0 || !(isNameCharacter(characters[index - 1]) || characters[index - 1] == "/") {
                for (path, local) in candidates where !path.isEmpty && index + path.count <= characters.count {
                    guard Array(characters[index..<index + path.count]) == path else { continue }
                    let end = index + path.count
                    if end < characters.count, isNameCharacter(characters[end]), path.last != "/" { continue }
                    result += local
                    index = end
                    continue scan
                }
            }
            result.append(characters[index])
            index += 1
        }
        return result
    }

    /// `$(NAME)` → the value of NAME when it is defined; `$$(NAME)` → `$(NAME)`; anything else stays as written.
    static func expand(_ text: String, _ environment: [String: String]) -> String {
        guard text.contains("$(") else { return text }
        var result = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.hasPrefix("$(") {
                result += "$"
                rest = after.dropFirst()
                continue
            }
            if after.hasPrefix("("), let close = after.firstIndex(of: ")"),
                let value = environment[String(after[after.index(after: after.startIndex)..<close])]
            {
                result += value
                rest = after[after.index(after: close)...]
            } else {
                result += "$"
                rest = after
            }
        }
        return result + rest
    }

    /// Writes the pod's volumes under `directory/volumes/<name>` and returns its mounts. Called again while the process
    /// runs (as the kubelet refreshes projected volumes): a file is rewritten, atomically, only when its content changed.
    static func materialiseVolumes(
        _ spec: PodSpec, container: Container, sources: ObjectSource, directory: URL, volumeRoot: URL?, rewritesPaths: Bool = true
    ) async throws -> Mounts {
        let volumes = spec.object.members["volumes"]?.arrayValue ?? []
        var local: [String: URL] = [:]
        for volume in volumes {
            guard let name = volume["name"]?.stringValue else { continue }
            if let claim = volume["persistentVolumeClaim"] {
                local[name] = try await claimDirectory(claim["claimName"]?.stringValue ?? "", volume: name, sources: sources, volumeRoot: volumeRoot)
            } else {
                local[name] = directory.appendingPathComponent("volumes").appendingPathComponent(name)
            }
        }
        var mounts: Mounts = []
        for mount in container.volumeMounts ?? [] {
            guard let name = mount["name"]?.stringValue, let path = mount["mountPath"]?.stringValue else { continue }
            guard let directory = local[name] else { throw Failure("volumeMount \(path) names volume \(name), which the pod does not declare") }
            let subPath = mount["subPath"]?.stringValue ?? ""
            mounts.append((path, subPath.isEmpty ? directory.path : directory.appendingPathComponent(subPath).path))
        }
        mounts.sort { $0.mountPath.count > $1.mountPath.count }
        for volume in volumes {
            guard let name = volume["name"]?.stringValue, let target = local[name] else { continue }
            // A claim's directory is the host's own: used as it is, never written by the fakelet.
            if volume["persistentVolumeClaim"] != nil { continue }
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            let files: [String: Data]
            if let source = volume["configMap"] {
                let data = try await sources.configMap(source["name"]?.stringValue ?? "", optional: source["optional"]?.boolValue == true)
                // Configuration files name the mount paths too (a config file pointing at the TLS files): rewritten.
                files = try select(
                    data.mapValues { Data(rewrite($0, rewritesPaths ? mounts : []).utf8) }, items: source["items"],
                    what: "ConfigMap \(source["name"]?.stringValue ?? "")")
            } else if let source = volume["secret"] {
                let data = try await sources.secret(source["secretName"]?.stringValue ?? "", optional: source["optional"]?.boolValue == true)
                files = try select(data, items: source["items"], what: "Secret \(source["secretName"]?.stringValue ?? "")")
            } else if volume["emptyDir"] != nil {
                // World-writable, as a kubelet makes it: the container's user is rarely the fakelet's.
                try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: target.path)
                files = [:]
            } else {
                let kind = volume.objectValue?.keys.filter { $0 != "name" }.sorted().first ?? "unknown"
                throw Failure(
                    "volume \(name) is a \(kind) volume; the process runtime materialises configMap, secret, emptyDir and "
                        + "persistentVolumeClaim volumes only")
            }
            for (path, content) in files {
                let file = target.appendingPathComponent(path)
                if (try? Data(contentsOf: file)) == content { continue }
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try content.write(to: file, options: .atomic)
            }
        }
        return mounts
    }

    /// The host directory of a `persistentVolumeClaim` volume: `<volume root>/<claimName>`, once the claim exists.
    static func claimDirectory(_ claim: String, volume: String, sources: ObjectSource, volumeRoot: URL?) async throws -> URL {
        guard let volumeRoot else {
            throw Failure("volume \(volume) is a persistentVolumeClaim volume; start the fakelet with --volume-root to map claims to directories")
        }
        guard !claim.isEmpty, !claim.contains("/"), claim != ".", claim != ".." else {
            throw Failure("volume \(volume): claimName '\(claim)' is not a claim name")
        }
        try await sources.persistentVolumeClaim(claim)
        let directory = volumeRoot.appendingPathComponent(claim)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Failure("volume \(volume): persistentVolumeClaim \(claim) has no directory \(directory.path) on this host (create it)")
        }
        return directory
    }

    /// The files of a ConfigMap/Secret volume: every key, or only `items` (`key` → `path`).
    static func select(_ data: [String: Data], items: JSONValue?, what: String) throws -> [String: Data] {
        guard let items = items?.arrayValue, !items.isEmpty else { return data }
        var files: [String: Data] = [:]
        for item in items {
            guard let key = item["key"]?.stringValue, let path = item["path"]?.stringValue else { continue }
            guard let content = data[key] else { throw Failure("\(what) has no key \(key) (named in the volume's items)") }
            files[path] = content
        }
        return files
    }

    static func resolveEnvironment(_ pod: Pod, container: Container, envFrom: [JSONValue], sources: ObjectSource) async throws -> [String: String] {
        var environment: [String: String] = [:]
        for source in envFrom {
            let prefix = source["prefix"]?.stringValue ?? ""
            if let reference = source["configMapRef"] {
                let data = try await sources.configMap(reference["name"]?.stringValue ?? "", optional: reference["optional"]?.boolValue == true)
                for (key, value) in data { environment[prefix + key] = value }
            } else if let reference = source["secretRef"] {
                let data = try await sources.secret(reference["name"]?.stringValue ?? "", optional: reference["optional"]?.boolValue == true)
                for (key, value) in data { environment[prefix + key] = String(decoding: value, as: UTF8.self) }
            }
        }
        for variable in container.env ?? [] {
            if let value = variable.value {
                environment[variable.name] = expand(value, environment)
            } else if let from = variable.valueFrom {
                if let value = try await resolve(from, of: variable.name, pod: pod, sources: sources) { environment[variable.name] = value }
            } else {
                environment[variable.name] = ""
            }
        }
        return environment
    }

    static func resolve(_ from: JSONValue, of name: String, pod: Pod, sources: ObjectSource) async throws -> String? {
        if let reference = from["secretKeyRef"] {
            let secret = reference["name"]?.stringValue ?? "", key = reference["key"]?.stringValue ?? ""
            let optional = reference["optional"]?.boolValue == true
            guard let value = try await sources.secret(secret, optional: optional)[key] else {
                if optional { return nil }
                throw Failure("env \(name): Secret \(secret) has no key \(key)")
            }
            return String(decoding: value, as: UTF8.self)
        }
        if let reference = from["configMapKeyRef"] {
            let map = reference["name"]?.stringValue ?? "", key = reference["key"]?.stringValue ?? ""
            let optional = reference["optional"]?.boolValue == true
            guard let value = try await sources.configMap(map, optional: optional)[key] else {
                if optional { return nil }
                throw Failure("env \(name): ConfigMap \(map) has no key \(key)")
            }
            return value
        }
        if let path = from["fieldRef"]?["fieldPath"]?.stringValue {
            switch path {
            case "metadata.name": return pod.metadata.name ?? ""
            case "metadata.namespace": return pod.metadata.namespace ?? ""
            case "metadata.uid": return pod.metadata.uid ?? ""
            case "spec.nodeName": return pod.spec?.nodeName ?? ""
            case "spec.serviceAccountName": return pod.spec?.serviceAccountName ?? "default"
            case "status.podIP", "status.hostIP": return "127.0.0.1"
            default: throw Failure("env \(name): fieldRef \(path) is not one the process runtime resolves")
            }
        }
        throw Failure("env \(name): only secretKeyRef, configMapKeyRef and fieldRef are resolved by the process runtime")
    }
}

/// Reads the ConfigMaps and Secrets of one namespace; a missing required one is a failure naming it.
struct ObjectSource: Sendable {
    let client: KubernetesClient
    let namespace: String

    func configMap(_ name: String, optional: Bool) async throws -> [String: String] {
        do {
            return try await client.get(ConfigMap.self, name: name, namespace: namespace).data ?? [:]
        } catch let error as KubernetesError where error.code == .notFound && optional {
            return [:]
        } catch let error as KubernetesError where error.code == .notFound {
            throw PodLaunch.Failure("ConfigMap \(namespace)/\(name) does not exist (create it, or mark the reference optional)")
        }
    }

    /// Fails unless the PersistentVolumeClaim exists (a kubelet keeps such a pod Pending too).
    func persistentVolumeClaim(_ name: String) async throws {
        let claims = ResourceType(group: "", version: "v1", plural: "persistentvolumeclaims", kind: "PersistentVolumeClaim", namespaced: true)
        do {
            _ = try await client.get(GenericResource.self, name: name, namespace: namespace, in: claims)
        } catch let error as KubernetesError where error.code == .notFound {
            throw PodLaunch.Failure("persistentvolumeclaim \(namespace)/\(name) does not exist (create it)")
        }
    }

    func secret(_ name: String, optional: Bool) async throws -> [String: Data] {
        do {
            return try await client.get(Secret.self, name: name, namespace: namespace).decodedData
        } catch let error as KubernetesError where error.code == .notFound && optional {
            return [:]
        } catch let error as KubernetesError where error.code == .notFound {
            throw PodLaunch.Failure("Secret \(namespace)/\(name) does not exist (create it, or mark the reference optional)")
        }
    }
}
