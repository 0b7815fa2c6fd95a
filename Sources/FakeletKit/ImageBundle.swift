import Foundation
import BoundedJSON

/// An unpacked OCI image (`umoci unpack --image … <bundle>`: `<bundle>/rootfs` and the runtime configuration
/// `<bundle>/config.json`) whose pods the fakelet runs from the image's own root filesystem, as a container runtime
/// would: `--run-image <image substring>=<bundle directory>`.
///
/// A pod's container becomes one process chain, with no fork so signals reach the image's process:
/// `unshare --mount` (a private mount namespace) → `/bin/sh` ``launchScript`` → `chroot --userspec` → the entrypoint
/// (looked up in the container's `PATH` inside the image).
/// In that namespace the root filesystem is an overlay of the image (its writable layer in the pod's directory, kept
/// across restarts, as a runtime keeps a container's), `/proc` and `/dev` are the host's, `/tmp` is a tmpfs, the host's
/// `/etc/hosts` and `/etc/resolv.conf` are bound in, every volume is bound at its `mountPath` (so paths need no
/// rewriting), and with `readOnlyRootFilesystem` the root is then remounted read-only. Needs root (mounts, chroot).
public struct ImageBundle: Sendable, Equatable {
    /// `<bundle>/rootfs`.
    public var rootfs: String
    /// The image's entrypoint and command (`process.args`).
    public var arguments: [String]
    /// The image's user (`process.user`).
    public var uid: Int
    public var gid: Int
    /// The image's environment (`process.env`).
    public var environment: [String: String]

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads `<directory>/config.json` (the OCI runtime configuration umoci writes) and checks `<directory>/rootfs`.
    public static func load(directory: String) throws -> ImageBundle {
        let root = URL(fileURLWithPath: directory)
        let configuration = root.appendingPathComponent("config.json")
        let data: Data
        do { data = try Data(contentsOf: configuration) } catch {
            throw Failure(description: "\(configuration.path) cannot be read (\(error)): unpack the image with `umoci unpack --image … \(directory)`")
        }
        let decoded: RuntimeConfiguration
        do { decoded = try JSONDecoder().decodeBounded(RuntimeConfiguration.self, from: data) } catch {
            throw Failure(description: "\(configuration.path) is not an OCI runtime configuration: \(error)")
        }
        guard let first = decoded.process.args.first, first.hasPrefix("/") else {
            throw Failure(description: "\(configuration.path) names no absolute entrypoint (process.args: \(decoded.process.args))")
        }
        let rootfs = root.appendingPathComponent(decoded.root?.path ?? "rootfs").path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: rootfs + first, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw Failure(description: "the image's entrypoint \(first) is not in \(rootfs)")
        }
        var environment: [String: String] = [:]
        for entry in decoded.process.env ?? [] {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2, !parts[0].isEmpty { environment[String(parts[0])] = String(parts[1]) }
        }
        return ImageBundle(
            rootfs: rootfs, arguments: decoded.process.args, uid: decoded.process.user.uid, gid: decoded.process.user.gid,
            environment: environment)
    }

    /// The process that runs `command` (the container's arguments, `command[0]` resolved inside the image) from this
    /// image for a pod whose files live in `podDirectory`, with `mounts` bound in and as `uid:gid`.
    func launch(command: [String], podDirectory: String, mounts: PodLaunch.Mounts, uid: Int, gid: Int, readOnlyRoot: Bool) -> (
        executable: String, arguments: [String]
    ) {
        // Parents before children: a mount inside another volume's path is bound after (over) it.
        let ordered = mounts.sorted { $0.mountPath.count < $1.mountPath.count }
        var arguments = ["--mount", "--propagation", "private", "/bin/sh", "-c", Self.launchScript, "fakelet-container"]
        arguments += [podDirectory, rootfs, "\(uid):\(gid)", readOnlyRoot ? "ro" : "rw"]
        for mount in ordered { arguments += [mount.mountPath, mount.local] }
        return ("/usr/bin/unshare", arguments + ["--"] + command)
    }

    /// The container's command in the image: `command` then `args` when the pod sets a command (Kubernetes replaces
    /// the entrypoint), else the image's entrypoint then `args`.
    func command(containerCommand: [String]?, args: [String]?) -> [String] {
        if let containerCommand, !containerCommand.isEmpty { return containerCommand + (args ?? []) }
        return arguments + (args ?? [])
    }

    /// `$1` pod directory, `$2` image rootfs, `$3` uid:gid, `$4` ro|rw, then `mountPath local` pairs, `--`, command.
    static let launchScript = """
        set -eu
        container_path=${PATH:-}
        PATH=/usr/sbin:/usr/bin:/sbin:/bin
        pod=$1 image=$2 user=$3 mode=$4
        shift 4
        root=$pod/rootfs
        mkdir -p "$pod/upper" "$pod/work" "$root"
        mount -t overlay overlay -o "lowerdir=$image,upperdir=$pod/upper,workdir=$pod/work" "$root"
        mkdir -p "$root/proc" "$root/dev" "$root/tmp" "$root/etc"
        mount --rbind /proc "$root/proc"
        mount --rbind /dev "$root/dev"
        mount -t tmpfs -o mode=1777,size=64m tmpfs "$root/tmp"
        for file in /etc/hosts /etc/resolv.conf; do
            if [ -f "$file" ]; then touch "$root$file"; mount --bind "$file" "$root$file"; fi
        done
        while [ "$1" != -- ]; do
            target=$root$1
            if [ -d "$2" ]; then mkdir -p "$target"; else mkdir -p "$(dirname "$target")"; touch "$target"; fi
            mount --bind "$2" "$target"
            shift 2
        done
        shift
        if [ "$mode" = ro ]; then mount -o remount,ro "$root"; fi
        PATH=$container_path
        export PATH
        exec /usr/sbin/chroot --userspec="$user" "$root" "$@"
        """

    /// The part of the OCI runtime configuration read here.
    private struct RuntimeConfiguration: Decodable {
        struct Process: Decodable {
            struct User: Decodable {
                var uid: Int
                var gid: Int
            }
            var args: [String]
            var env: [String]?
            var user: User
        }
        struct Root: Decodable { var path: String }
        var process: Process
        var root: Root?
    }
}
