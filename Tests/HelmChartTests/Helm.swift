import Foundation
import Yams

/// The real `helm` binary (scripts/ensure-helm.sh puts it in .tools/helm; JITSUDO_HELM overrides) run on helm/jitsudo.
enum Helm {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String { "helm not found at \(path); run scripts/ensure-helm.sh (make test does)" }
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let chart = root.appendingPathComponent("helm/jitsudo").path
    static let namespace = "jitsudo"

    static var binary: String {
        ProcessInfo.processInfo.environment["JITSUDO_HELM"] ?? root.appendingPathComponent(".tools/helm").path
    }

    /// Runs helm with `arguments`, HOME and caches in a fresh temporary directory so nothing leaks between runs.
    static func run(_ arguments: [String]) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw Missing(path: binary) }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("helm-home-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = [
            "HOME": home.path, "HELM_CACHE_HOME": home.path + "/cache", "HELM_CONFIG_HOME": home.path + "/config",
            "HELM_DATA_HOME": home.path + "/data", "KUBECONFIG": home.path + "/no-kubeconfig", "PATH": "/usr/bin:/bin",
        ]
        let out = home.appendingPathComponent("stdout"), err = home.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        return Result(
            status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
            stderr: try String(contentsOf: err, encoding: .utf8)
        )
    }

    /// `helm template` of the chart in namespace `jitsudo` with `--set` values; the rendered documents.
    static func template(_ sets: [String] = [], includeCRDs: Bool = false) throws -> [[String: Any]] {
        let result = try run(
            ["template", "jitsudo", chart, "--namespace", namespace] + (includeCRDs ? ["--include-crds"] : []) + sets.flatMap { ["--set", $0] })
        guard result.status == 0 else { throw RenderError(stderr: result.stderr) }
        return try documents(result.stdout)
    }

    /// The whole release as `kubectl apply` would get it (CRDs first).
    ///
    /// `HelmChartTests.theRenderedReleaseIsAcceptedByTheRealAPIServer` feeds it to `kubectl apply --dry-run=server`
    /// and then `kubectl apply` against the test API server of scripts/kube-testenv.sh.
    static func renderedRelease(_ sets: [String] = [], namespace: String = namespace) throws -> String {
        let result = try run(["template", "jitsudo", chart, "--namespace", namespace, "--include-crds"] + sets.flatMap { ["--set", $0] })
        guard result.status == 0 else { throw RenderError(stderr: result.stderr) }
        return result.stdout
    }

    struct RenderError: Error, CustomStringConvertible {
        var stderr: String
        var description: String { "helm template failed: \(stderr)" }
    }

    static func documents(_ yaml: String) throws -> [[String: Any]] {
        var sequence = try Yams.load_all(yaml: yaml)
        var documents: [[String: Any]] = []
        while let document = sequence.next() {
            if let object = document as? [String: Any] { documents.append(object) }
        }
        if let error = sequence.error { throw error }
        return documents
    }
}

extension Dictionary where Key == String, Value == Any {
    /// The value at a dotted path (`spec.template.metadata.labels`).
    func at(_ path: String) -> Any? {
        var current: Any? = self
        for part in path.split(separator: ".") { current = (current as? [String: Any])?[String(part)] }
        return current
    }

    var kind: String { self["kind"] as? String ?? "" }
    var name: String { at("metadata.name") as? String ?? "" }
}
