import Foundation
import JitsudoServerTesting

/// Runs the built `jitsudo` binary (found next to the test bundle, or at `JITSUDO_CLI_BIN`) as a subprocess
/// with a private `HOME`, and captures stdout, stderr and the exit code.
struct CLIRunner: Sendable {
    struct Result: Sendable, CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
    }

    /// A fresh, empty home directory for the CLI (`~/.jitsudo` lives there).
    let home: String
    /// Extra environment for every run.
    var environment: [String: String]

    init(environment: [String: String] = [:]) throws {
        home = try Self.temporaryDirectory(prefix: "jitsudo-cli-home")
        self.environment = environment
    }

    static func temporaryDirectory(prefix: String) throws -> String {
        let path = NSTemporaryDirectory() + "/\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The directory holding the built products (`jitsudo`, `jitsudod`).
    static var binDirectory: String {
        if let explicit = ProcessInfo.processInfo.environment["JITSUDO_BIN_DIR"] { return explicit }
        var url = Bundle.main.bundleURL
        for _ in 0..<4 {
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("jitsudo").path) { return url.path }
            url.deleteLastPathComponent()
        }
        return Bundle.main.bundleURL.deletingLastPathComponent().path
    }

    static var cliPath: String { binDirectory + "/jitsudo" }

    /// The base environment: PATH and a private HOME; nothing from the developer's own login.
    var baseEnvironment: [String: String] {
        var env: [String: String] = [
            "HOME": home,
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "NO_COLOR": "1",
        ]
        for (key, value) in environment { env[key] = value }
        return env
    }

    /// Runs `jitsudo arguments…`.
    @discardableResult
    func run(_ arguments: [String], stdin: String? = nil, env extra: [String: String] = [:]) async throws -> Result {
        var env = baseEnvironment
        for (key, value) in extra { env[key] = value }
        let result = try await Self.spawnAsync(Self.cliPath, arguments, environment: env, stdin: stdin)
        // A failed command's message is what the user sees of an error: scanned for secrets with the error bodies.
        if result.status != 0 { LeakCapture.recordErrorBody(status: 500, "jitsudo \(arguments.first ?? ""): \(result.stderr)") }
        return result
    }

    /// Runs a shell pipeline with `jitsudo` first in PATH.
    @discardableResult
    func shell(_ script: String, env extra: [String: String] = [:]) async throws -> Result {
        var env = baseEnvironment
        env["PATH"] = Self.binDirectory + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        for (key, value) in extra { env[key] = value }
        return try await Self.spawnAsync("/bin/bash", ["-o", "pipefail", "-c", script], environment: env, stdin: nil)
    }

    /// ``spawn(_:_:environment:stdin:timeout:)`` off the cooperative pool, so an in-process server keeps its threads.
    static func spawnAsync(_ path: String, _ arguments: [String], environment: [String: String], stdin: String?) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Swift.Result { try spawn(path, arguments, environment: environment, stdin: stdin) })
            }
        }
    }

    /// Runs any program and waits for it (bounded: a stuck child is killed after `timeout` seconds).
    static func spawn(
        _ path: String, _ arguments: [String], environment: [String: String], stdin: String?, timeout: TimeInterval = 120
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = environment
        let outPipe = Pipe()
        let errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        let inPipe = Pipe()
        process.standardInput = inPipe
        try launch(process, pipes: [outPipe, errPipe, inPipe])
        if let stdin { inPipe.fileHandleForWriting.write(Data(stdin.utf8)) }
        try inPipe.fileHandleForWriting.close()
        let collector = OutputCollector()
        let group = DispatchGroup()
        for (pipe, isOut) in [(outPipe, true), (errPipe, false)] {
            group.enter()
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collector.set(data, isOut: isOut)
                group.leave()
            }
        }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            _ = group.wait(timeout: .now() + 10)
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: collector.stdout, stderr: collector.stderr)
    }
}

/// Serialises launches and marks our pipe ends close-on-exec, so a child started concurrently on another thread
/// (a CLI run, `jitsudod dev`) never inherits another run's pipe and keeps it open past that run's exit.
private let launchLock = NSLock()

func launch(_ process: Process, pipes: [Pipe]) throws {
    launchLock.lock()
    defer { launchLock.unlock() }
    for pipe in pipes {
        _ = fcntl(pipe.fileHandleForReading.fileDescriptor, F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipe.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
    }
    try process.run()
}

/// Collects the two output streams from their reader threads.
final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()

    func set(_ data: Data, isOut: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if isOut { out = data } else { err = data }
    }

    var stdout: String { lock.withLock { String(decoding: out, as: UTF8.self) } }
    var stderr: String { lock.withLock { String(decoding: err, as: UTF8.self) } }
}
