public import Foundation

/// A local PostgreSQL cluster driven by the machine's `initdb`/`pg_ctl`: throw-away ones for tests, and the
/// project-folder one of `jitsudod dev`. Runs as the `postgres` user when started by root (initdb refuses root).
public struct PostgresCluster: Sendable {
    /// The directory holding `data/`, the socket and the log.
    public let directory: URL
    public let port: Int
    let binDirectory: String
    let runAsUser: String?

    /// Starts a new cluster on a free loopback port with trust authentication for the `postgres` superuser.
    ///
    /// - Throws: ``LocalPostgresError`` naming what is missing (install Debian's `postgresql`) or the server log.
    public static func start(
        in existing: URL? = nil,
        port requestedPort: Int? = nil,
        durable: Bool = false
    ) throws -> PostgresCluster {
        let bin = try findBinDirectory()
        let directory = existing ?? URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("jitsudo-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let user: String? = getuid() == 0 ? "postgres" : nil
        if let user {
            try run("/bin/chown", ["-R", "\(user):", directory.path])
        }
        let data = directory.appendingPathComponent("data").path
        if !FileManager.default.fileExists(atPath: "\(data)/PG_VERSION") {
            try run(as: user, "\(bin)/initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C.UTF-8"])
        }
        let port = try requestedPort ?? freePort()
        var settings = ["-c listen_addresses=127.0.0.1", "-p \(port)", "-k \(directory.path)", "-c max_connections=1000"]
        if !durable { settings += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off", "-c shared_buffers=64MB"] }
        let options = settings.joined(separator: " ")
        let log = directory.appendingPathComponent("postgres.log").path
        if (try? run(as: user, "\(bin)/pg_ctl", ["-D", data, "status"])) != nil {
            return PostgresCluster(directory: directory, port: port, binDirectory: bin, runAsUser: user)
        }
        do {
            try run(as: user, "\(bin)/pg_ctl", ["-D", data, "-w", "-t", "60", "-l", log, "-o", options, "start"])
        } catch {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw LocalPostgresError("PostgreSQL did not start: \(error)\n\(text.suffix(2000))")
        }
        return PostgresCluster(directory: directory, port: port, binDirectory: bin, runAsUser: user)
    }

    /// Stops the server immediately and removes its directory.
    public func stop() {
        let data = directory.appendingPathComponent("data").path
        _ = try? Self.run(as: runAsUser, "\(binDirectory)/pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(at: directory)
    }

    /// Stops the server cleanly and keeps its data (the development cluster).
    public func shutdown() {
        let data = directory.appendingPathComponent("data").path
        _ = try? Self.run(as: runAsUser, "\(binDirectory)/pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"])
    }

    /// The superuser URL of database `name` on this cluster.
    public func url(database name: String = "postgres") -> String {
        "postgres://postgres@127.0.0.1:\(port)/\(name)?sslmode=disable"
    }

    static func findBinDirectory() throws -> String {
        let fileManager = FileManager.default
        if let versions = try? fileManager.contentsOfDirectory(atPath: "/usr/lib/postgresql") {
            for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
                let bin = "/usr/lib/postgresql/\(version)/bin"
                if fileManager.isExecutableFile(atPath: "\(bin)/initdb"), fileManager.isExecutableFile(atPath: "\(bin)/pg_ctl") {
                    return bin
                }
            }
        }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            if fileManager.isExecutableFile(atPath: "\(directory)/initdb") { return String(directory) }
        }
        throw LocalPostgresError("initdb not found: install PostgreSQL (apt-get install postgresql) or set JITSUDO_TEST_DATABASE_URL")
    }

    /// A free TCP port on 127.0.0.1 (bound, read and released).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LocalPostgresError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw LocalPostgresError("could not find a free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs a program to completion with posix_spawn/waitpid (Foundation's `Process.waitUntilExit` can miss
    /// the exit of a child whose own child keeps running, as `pg_ctl start` does). Output goes to a temp file.
    @discardableResult
    static func run(as user: String? = nil, _ executable: String, _ arguments: [String]) throws -> String {
        let argv = user.map { ["/usr/sbin/runuser", "-u", $0, "--", executable] } ?? [executable]
        let all = argv + arguments
        let outputPath = NSTemporaryDirectory() + "jitsudo-run-\(UUID().uuidString)"
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid: pid_t = 0
        let cArguments = all.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        let spawned = posix_spawn(&pid, all[0], &actions, nil, cArguments, environ)
        guard spawned == 0 else { throw LocalPostgresError("could not start \(all[0]): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exited = (status & 0x7f) == 0
        let code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            throw LocalPostgresError("\(executable) \(arguments.joined(separator: " ")) failed (status \(status)): \(text.suffix(1500))")
        }
        return text
    }
}
