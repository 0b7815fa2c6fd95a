import Foundation
import JitsudoServerTesting
import JitsudoTesting
#if canImport(Glibc)
import Glibc
#endif

/// One real `jitsudod serve` process (the built binary) with its log in a file; signals are sent by pid.
final class ReplicaProcess: @unchecked Sendable {
    let id: String
    let port: Int
    let logPath: String
    /// Where this process's output begins in `logPath` (a restarted replica appends to its predecessor's log).
    private let logOffset: UInt64
    private let process: Process

    /// The directory holding the built products (`jitsudod`), found next to the test bundle or at `JITSUDO_BIN_DIR`.
    static var binDirectory: String {
        if let explicit = ProcessInfo.processInfo.environment["JITSUDO_BIN_DIR"] { return explicit }
        var url = Bundle.main.bundleURL
        for _ in 0..<4 {
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("jitsudod").path) { return url.path }
            url.deleteLastPathComponent()
        }
        return Bundle.main.bundleURL.deletingLastPathComponent().path
    }

    /// Starts `jitsudod serve` with `environment` (JITSUDOD_* settings), appending its output to `logPath`.
    init(id: String, port: Int, environment: [String: String], logPath: String) throws {
        self.id = id
        self.port = port
        self.logPath = logPath
        let path = Self.binDirectory + "/jitsudod"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestSupportError("jitsudod is not built at \(path): run `swift build --build-tests` first (or set JITSUDO_BIN_DIR)")
        }
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        logOffset = try log.seekToEnd()
        // The leak scan (scripts/scan-test-leaks.sh) looks for the secrets it is given in what it writes.
        LeakCapture.recordSentinels(["JITSUDOD_CREDENTIALS_KEY", "JITSUDOD_MCP_TOKEN"].compactMap { environment[$0] })
        process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["serve"]
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        for (key, value) in environment { env[key] = value }
        env["JITSUDOD_REPLICA_ID"] = id
        env["JITSUDOD_HTTP_ADDR"] = "127.0.0.1:\(port)"
        process.environment = env
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try log.close()
    }

    /// The leak capture gets this process's output once nothing refers to it any more (the test is over, or the
    /// replica was replaced by a restart).
    deinit { LeakCapture.recordLog(file: logPath, from: logOffset) }

    var pid: pid_t { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    func signal(_ number: Int32) {
        if process.isRunning { kill(process.processIdentifier, number) }
    }

    /// SIGTERM, then waits up to `grace` for the exit; returns false (and SIGKILLs) when the process did not stop.
    func terminate(grace: Duration) async -> Bool {
        guard process.isRunning else { return true }
        signal(SIGCONT)
        signal(SIGTERM)
        let deadline = ContinuousClock.now + grace
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        guard process.isRunning else { return true }
        signal(SIGKILL)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        return false
    }

    /// Waits until the process exited after a SIGKILL.
    func awaitExit() async {
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}

/// Cleans up after a test process that is killed (a group time limit's SIGKILL runs no `defer`): a shell that waits
/// for this process to die, then SIGKILLs the replica pids listed in `pidFile` and stops the PostgreSQL postmaster
/// (SIGQUIT, immediate shutdown). Stopped by ``stop()`` when the test ends normally.
final class OrphanReaper: @unchecked Sendable {
    private let process = Process()
    let pidFile: String

    init(directory: URL, clusterData: URL) throws {
        pidFile = directory.appendingPathComponent("replica.pids").path
        _ = FileManager.default.createFile(atPath: pidFile, contents: nil)
        let script = """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
            [ -f '\(pidFile)' ] && xargs -r kill -9 < '\(pidFile)' 2>/dev/null
            [ -f '\(clusterData.path)/postmaster.pid' ] && kill -QUIT "$(head -1 '\(clusterData.path)/postmaster.pid')" 2>/dev/null
            exit 0
            """
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    func record(_ pid: pid_t) {
        if let handle = FileHandle(forWritingAtPath: pidFile) {
            _ = try? handle.seekToEnd()
            handle.write(Data("\(pid)\n".utf8))
            try? handle.close()
        }
    }

    func stop() {
        try? FileManager.default.removeItem(atPath: pidFile)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
