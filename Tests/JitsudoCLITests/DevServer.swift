import Foundation
import JitsudoStore
import JitsudoTesting

/// `jitsudod dev` on a fresh test database, as a subprocess on a free port; stopped by ``stop()``.
final class DevServer: @unchecked Sendable {
    let process: Process
    let url: String
    let databaseURL: DatabaseURL
    let dataDirectory: String

    enum Failure: Error, CustomStringConvertible {
        case didNotStart(String)
        var description: String {
            switch self {
            case .didNotStart(let detail): "jitsudod dev did not start: \(detail)"
            }
        }
    }

    static var daemonPath: String { CLIRunner.binDirectory + "/jitsudod" }

    /// Whether the built `jitsudod` knows `dev` (its help names `jitsudod dev`; an unknown word falls back to `serve`).
    static let isAvailable: Bool = {
        guard FileManager.default.isExecutableFile(atPath: daemonPath) else { return false }
        let result = try? CLIRunner.spawn(daemonPath, ["dev", "--help"], environment: ProcessInfo.processInfo.environment, stdin: nil, timeout: 30)
        return result?.status == 0 && result?.stdout.contains("jitsudod dev") == true
    }()

    /// Starts the server and waits (bounded) for its `listening on` line.
    static func start(tls: Bool = false) async throws -> DevServer {
        let database = try await TestPostgres.shared.createDatabase()
        let dataDirectory = try CLIRunner.temporaryDirectory(prefix: "jitsudod-dev")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: daemonPath)
        process.arguments = ["dev", "--database-url", database.urlString, "--port", "0", "--data-dir", dataDirectory] + (tls ? ["--tls"] : [])
        var environment = ProcessInfo.processInfo.environment
        environment["JITSUDOD_LOG_LEVEL"] = environment["JITSUDOD_LOG_LEVEL"] ?? "warning"
        process.environment = environment
        let outPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = FileHandle.standardError
        try launch(process, pipes: [outPipe])
        let firstLine = LineBox()
        let handle = outPipe.fileHandleForReading
        let reader = Thread {
            var buffer = Data()
            var announced = false
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                if announced { continue }
                buffer.append(chunk)
                if let newline = buffer.firstIndex(of: 10) {
                    firstLine.set(String(decoding: buffer[..<newline], as: UTF8.self))
                    announced = true
                }
            }
            firstLine.set(firstLine.value ?? "")
        }
        reader.start()
        let deadline = Date().addingTimeInterval(90)
        while firstLine.value == nil, process.isRunning, Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let prefix = "jitsudod dev listening on "
        guard let line = firstLine.value, line.hasPrefix(prefix) else {
            if process.isRunning { process.terminate() }
            throw Failure.didNotStart(
                "first line was \(firstLine.value.map { "'\($0)'" } ?? "not printed within 90 s"), running: \(process.isRunning)")
        }
        return DevServer(process: process, url: String(line.dropFirst(prefix.count)), databaseURL: database, dataDirectory: dataDirectory)
    }

    private init(process: Process, url: String, databaseURL: DatabaseURL, dataDirectory: String) {
        self.process = process
        self.url = url
        self.databaseURL = databaseURL
        self.dataDirectory = dataDirectory
    }

    /// A development ID token for `email` with `groups`, from the dev issuer.
    func token(email: String, groups: [String] = []) throws -> String {
        let query = "email=\(email.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? email)&groups=\(groups.joined(separator: ","))"
        let trust = url.hasPrefix("https:") ? ["--cacert", caCertificate] : []
        let result = try CLIRunner.spawn(
            "/usr/bin/curl", ["-sf"] + trust + ["\(url)/dev-oidc/dev-token?\(query)"], environment: ProcessInfo.processInfo.environment, stdin: nil
        )
        guard result.status == 0,
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            let token = object["id_token"] as? String
        else { throw Failure.didNotStart("dev-token failed: \(result)") }
        return token
    }

    /// The development CA of `--tls` (`<data-dir>/tls/ca.crt`).
    var caCertificate: String { dataDirectory + "/tls/ca.crt" }

    func stop() {
        guard process.isRunning else { return }
        process.interrupt()
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Runs `body` with a started server and always stops it.
    static func with<Result>(tls: Bool = false, _ body: (DevServer) async throws -> Result) async throws -> Result {
        let server = try await start(tls: tls)
        do {
            let result = try await body(server)
            server.stop()
            return result
        } catch {
            server.stop()
            throw error
        }
    }
}

/// The first stdout line, shared between the reader thread and the test.
final class LineBox: @unchecked Sendable {
    private let lock = NSLock()
    private var line: String?
    var value: String? { lock.withLock { line } }
    func set(_ text: String) { lock.withLock { if line == nil { line = text } } }
}
