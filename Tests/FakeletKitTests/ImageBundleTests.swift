import Foundation
import KubernetesClient
import Testing

@testable import FakeletKit

/// Pods run from an unpacked image: the bundle's configuration is read as umoci writes it, and the launch really runs a
/// process from a small root filesystem built here (the host's `sh`, `id`, `cat` and `touch` with the libraries `ldd`
/// lists) — as the image's user, with a volume bound at its mount path, a writable `/tmp` and a read-only root.
/// Needs root (mount namespace, overlay, chroot), as `make test` does.
@Suite struct ImageBundleTests {
    @Test func theBundleIsReadAsUmociWritesItAndBadOnesAreRefusedWithTheReason() throws {
        let bundle = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: bundle.path + "/rootfs/usr/local/bin", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: bundle.path + "/rootfs/usr/local/bin/jitsudod", contents: Data()))
        try write(
            #"{"ociVersion":"1.0.2","process":{"user":{"uid":65532,"gid":65532},"args":["/usr/local/bin/jitsudod"],"#
                + #""env":["PATH=/usr/local/bin:/usr/bin","SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt","BROKEN"]},"#
                + #""root":{"path":"rootfs","readonly":true}}"#, to: bundle.path + "/config.json")
        let loaded = try ImageBundle.load(directory: bundle.path)
        #expect(loaded.rootfs == bundle.path + "/rootfs" && loaded.arguments == ["/usr/local/bin/jitsudod"])
        #expect(loaded.uid == 65532 && loaded.gid == 65532)
        #expect(loaded.environment == ["PATH": "/usr/local/bin:/usr/bin", "SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt"])
        // Kubernetes' rule: a pod's command replaces the entrypoint; its args follow whichever runs.
        #expect(loaded.command(containerCommand: nil, args: ["serve"]) == ["/usr/local/bin/jitsudod", "serve"])
        #expect(loaded.command(containerCommand: ["jitsudod", "migrate"], args: ["--db-url", "x"]) == ["jitsudod", "migrate", "--db-url", "x"])

        try write(#"{"process":{"user":{"uid":1,"gid":1},"args":["/usr/local/bin/missing"]}}"#, to: bundle.path + "/config.json")
        #expect(throws: ImageBundle.Failure.self) { try ImageBundle.load(directory: bundle.path) }
        try write(#"{"process":{"user":{"uid":1,"gid":1},"args":[]}}"#, to: bundle.path + "/config.json")
        #expect(throws: ImageBundle.Failure.self) { try ImageBundle.load(directory: bundle.path) }
        #expect(throws: ImageBundle.Failure.self) { try ImageBundle.load(directory: bundle.path + "/absent") }
        // A mapping to a directory loads it; a mapping to a file stays a binary.
        let mapping = ProcessPodRuntime.ImageMapping(imageSubstring: "jitsudod", binary: bundle.path + "/rootfs/usr/local/bin/jitsudod")
        #expect(try mapping.resolved().bundle == nil)
    }

    @Test func theContainerSecurityContextWinsOverThePods() {
        let pod: JSONValue = ["runAsUser": 1000, "runAsGroup": 1000]
        let container: JSONValue = ["runAsUser": 65532, "readOnlyRootFilesystem": true]
        #expect(
            SecurityContext(pod: pod, container: container)
                == SecurityContext(pod: nil, container: ["runAsUser": 65532, "runAsGroup": 1000, "readOnlyRootFilesystem": true]))
        #expect(SecurityContext(pod: nil, container: nil).runAsUser == nil)
        #expect(!SecurityContext(pod: nil, container: nil).readOnlyRootFilesystem)
    }

    @Test func aContainerRunsFromTheImageAsItsUserWithItsVolumesAndAReadOnlyRoot() throws {
        try #require(getuid() == 0, "running a container from an image needs root (mount namespace, overlay, chroot), as `make test` runs")
        let bundle = try TemporaryDirectory()
        let rootfs = bundle.path + "/rootfs"
        for tool in ["/bin/sh", "/usr/bin/id", "/bin/cat", "/usr/bin/touch"] { try copyWithLibraries(tool, into: rootfs) }
        try write(
            #"{"process":{"user":{"uid":65532,"gid":65532},"args":["/bin/sh"],"env":["PATH=/usr/bin:/bin","FROM_IMAGE=image"]},"#
                + #""root":{"path":"rootfs"}}"#, to: bundle.path + "/config.json")
        let image = try ProcessPodRuntime.ImageMapping(imageSubstring: "x", binary: bundle.path).resolved()
        let loaded = try #require(image.bundle)
        let pod = try TemporaryDirectory()
        let secret = pod.path + "/volumes/tls"
        try FileManager.default.createDirectory(atPath: secret, withIntermediateDirectories: true)
        try write("certificate", to: secret + "/tls.crt")

        let script =
            #"id -u; id -g; cat /etc/jitsudo/tls/tls.crt; echo; echo "$FROM_IMAGE $FROM_POD"; "#
            + #"touch /probe 2>/dev/null && echo root-writable || echo root-read-only; touch /tmp/ok && echo tmp-writable"#
        let launch = loaded.launch(
            command: loaded.command(containerCommand: nil, args: ["-c", script]), podDirectory: pod.path,
            mounts: [(mountPath: "/etc/jitsudo/tls", local: secret)], uid: 65532, gid: 65533, readOnlyRoot: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: launch.executable)
        process.arguments = launch.arguments
        process.environment = loaded.environment.merging(["FROM_POD": "pod"]) { _, pod in pod }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(printed)")
        #expect(printed == "65532\n65533\ncertificate\nimage pod\nroot-read-only\ntmp-writable\n")
        // Nothing of the container's mounts is left in the host's view of the pod directory.
        #expect(try FileManager.default.contentsOfDirectory(atPath: pod.path + "/rootfs").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: rootfs + "/probe"), "the image itself is never written")
    }

    private func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Copies `tool` and every library `ldd` lists for it to the same paths under `rootfs`.
    private func copyWithLibraries(_ tool: String, into rootfs: String) throws {
        let ldd = Process()
        ldd.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
        ldd.arguments = [tool]
        let pipe = Pipe()
        ldd.standardOutput = pipe
        try ldd.run()
        let listing = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        ldd.waitUntilExit()
        let libraries = listing.split(separator: "\n").compactMap { line in
            line.split(whereSeparator: \.isWhitespace).map(String.init).first { $0.hasPrefix("/") }
        }
        for file in [tool] + libraries {
            let real = URL(fileURLWithPath: file).resolvingSymlinksInPath().path
            let target = rootfs + file
            try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: target) { try FileManager.default.copyItem(atPath: real, toPath: target) }
        }
    }
}
