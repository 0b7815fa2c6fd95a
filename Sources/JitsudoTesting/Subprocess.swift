import Foundation

/// Runs a program for a test and collects its exit status and output, without blocking a thread of the shared
/// executor while it runs (other tests go on meanwhile). Output goes through files, so a chatty program never stalls
/// on a full pipe. Each run has a fresh working directory, removed afterwards.
public enum Subprocess {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public struct LaunchFailed: Error, CustomStringConvertible {
        public var description: String
    }

    /// `executable arguments…` with this process's environment plus `environment` (which wins).
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
        let directory = NSTemporaryDirectory() + "jitsudo-subprocess-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let out = directory + "/.stdout", err = directory + "/.stderr"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let launched = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            process.terminationHandler = { _ in continuation.resume(returning: true) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(returning: false)
            }
        }
        guard launched else { throw LaunchFailed(description: "cannot run \(executable) \(arguments.joined(separator: " "))") }
        return Result(
            status: process.terminationStatus, stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    /// `bash -c script`.
    public static func shell(_ script: String, environment: [String: String] = [:]) async throws -> Result {
        try await run("/bin/bash", ["-c", script], environment: environment)
    }
}

/// The machine's real `kubectl` against a test API server (`kubeconfig`), with a discovery cache of its own.
public struct Kubectl: Sendable {
    public let kubeconfig: String
    public let cacheDirectory = NSTemporaryDirectory() + "jitsudo-kubectl-cache-\(UUID().uuidString)"

    public init(kubeconfig: String) { self.kubeconfig = kubeconfig }

    /// `kubectl arguments…`, stopped after `timeout` seconds.
    public func run(_ arguments: [String], timeout: Int = 120) async throws -> Subprocess.Result {
        try await Subprocess.run("/usr/bin/env", ["timeout", String(timeout), "kubectl"] + arguments, environment: environment)
    }

    /// A `bash -c` pipeline; `kubectl` in it uses the test API server.
    public func shell(_ script: String, environment extra: [String: String] = [:]) async throws -> Subprocess.Result {
        try await Subprocess.shell(script, environment: extra.merging(environment) { _, own in own })
    }

    private var environment: [String: String] { ["KUBECONFIG": kubeconfig, "KUBECACHEDIR": cacheDirectory] }

    public func cleanUp() { try? FileManager.default.removeItem(atPath: cacheDirectory) }
}
