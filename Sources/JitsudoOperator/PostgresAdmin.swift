import Foundation
import JitsudoCore
import JitsudoStore
import Logging
import OperatorCore
import PostgresNIO

/// The database work of a restore, against a real PostgreSQL: `psql`/`pg_dump`/`pg_restore` as subprocesses (URLs
/// passed in the environment, never on a command line), and the audit chain verified with `jitsudo audit verify`'s
/// logic (JitsudoStore's ``AuditLog/verify(progressEvery:progress:)``) over PostgresNIO.
struct PostgresAdmin: Sendable {
    /// The admin URL (a superuser or the owner of the databases), naming its maintenance database.
    let admin: DatabaseURL
    /// Where `file` sources are found: `<backupRoot>/<persistentVolumeClaimName>/<path>` (the volume mounts).
    let backupRoot: String?
    let logger: Logger

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs a bash script with `environment`, failing with its stderr.
    static func shell(_ script: String, environment: [String: String]) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "set -euo pipefail\n" + script]
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        env["PGCONNECT_TIMEOUT"] = "10"
        process.environment = env
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard status == 0 else {
            throw Failure(description: "exit status \(status): \(stderr.trimmingCharacters(in: .whitespacesAndNewlines).suffix(600))")
        }
    }

    /// Runs `sql` on the admin database (ON_ERROR_STOP; `single` wraps it in one transaction).
    func execute(_ sql: String, single: Bool = false) async throws {
        try await Self.shell(
            "psql -X -q -v ON_ERROR_STOP=1 \(single ? "-1 " : "")-d \"$ADMIN_URL\" -f - <<'SQL'\n\(sql)\nSQL",
            environment: ["ADMIN_URL": admin.urlString])
    }

    /// Drops and creates `plan.restoreDatabase`, then restores the backup into it.
    func restore(_ plan: RestorePlan, sourceURL: String?) async throws {
        let target = plan.restoreDatabase
        try await execute("DROP DATABASE IF EXISTS \"\(target)\" WITH (FORCE);")
        try await execute("CREATE DATABASE \"\(target)\";")
        let targetURL = admin.with(database: target).urlString
        switch plan.source {
        case .pgDump:
            guard let sourceURL else { throw Failure(description: "the pgDump source secret has no URL") }
            try await Self.shell(
                "pg_dump --no-owner --no-privileges -d \"$SOURCE_URL\" | psql -X -q -v ON_ERROR_STOP=1 -d \"$TARGET_URL\"",
                environment: ["SOURCE_URL": sourceURL, "TARGET_URL": targetURL])
        case .file(let claim, let path, let format):
            guard let backupRoot else {
                throw Failure(description: "file sources need the operator started with --backup-root (where the backup volumes are mounted)")
            }
            let file = "\(backupRoot)/\(claim)/\(path)"
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw Failure(description: "backup file \(path) not found on volume \(claim)")
            }
            let command: String
            switch format {
            case "Plain": command = "psql -X -q -v ON_ERROR_STOP=1 -d \"$TARGET_URL\" -f \"$BACKUP_FILE\""
            case "Custom": command = "pg_restore --no-owner --no-privileges --exit-on-error -d \"$TARGET_URL\" \"$BACKUP_FILE\""
            default: command = "gunzip -c \"$BACKUP_FILE\" | psql -X -q -v ON_ERROR_STOP=1 -d \"$TARGET_URL\""
            }
            try await Self.shell(command, environment: ["TARGET_URL": targetURL, "BACKUP_FILE": file])
        }
    }

    /// The audit hash chain of `database`, verified as `jitsudo audit verify` does. A database that cannot be read
    /// as a jitsudo database is reported broken (fail closed: nothing is swapped on doubt).
    func verifyChain(database: String) async -> RestoreStateMachine.ChainVerification {
        var quiet = logger
        quiet.logLevel = .critical
        do {
            let result = try await Database.withClient(
                admin.with(database: database), applicationName: "jitsudo-operator-verify", maximumConnections: 1, logger: quiet
            ) { try await AuditLog(database: $0).verify(progressEvery: Int64.max) }
            if result.intact { return .intact(events: Int(result.eventsVerified)) }
            return .broken(firstBrokenEvent: result.brokenAtEventID.map(String.init) ?? "unknown", reason: result.problem)
        } catch {
            return .broken(firstBrokenEvent: "none", reason: "the audit log of database \(database) cannot be read: \(String(reflecting: error).prefix(300))")
        }
    }

    /// The databases of the server.
    func databases() async throws -> Set<String> {
        let file = NSTemporaryDirectory() + "jitsudo-operator-dbs-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try await Self.shell(
            "psql -X -A -t -v ON_ERROR_STOP=1 -d \"$ADMIN_URL\" -c 'SELECT datname FROM pg_database' -o \"$OUT\"",
            environment: ["ADMIN_URL": admin.urlString, "OUT": file])
        let text = try String(contentsOfFile: file, encoding: .utf8)
        return Set(text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    /// Runbook 3's renames, in one transaction, after ending other sessions on those databases (a rename needs it).
    func rename(_ renames: [RestoreStateMachine.Rename]) async throws {
        let names = renames.flatMap { [$0.from, $0.to] }.map { "'\($0)'" }.joined(separator: ", ")
        var sql = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname IN (\(names)) AND pid <> pg_backend_pid();\n"
        for rename in renames { sql += "ALTER DATABASE \"\(rename.from)\" RENAME TO \"\(rename.to)\";\n" }
        try await execute(sql, single: true)
    }
}

/// Restore work running in the background, by restore uid: observed as ``RestoreStateMachine/RestoreWork``. Not
/// persisted: an operator that restarts in Restoring finds nothing and starts again (the step drops and recreates the
/// restore database, so repeating it is safe).
actor RestoreWorks {
    private var running: Set<String> = []
    private var results: [String: RestoreStateMachine.RestoreWork] = [:]
    private var tasks: [String: Task<Void, Never>] = [:]

    func state(_ id: String) -> RestoreStateMachine.RestoreWork {
        if let result = results[id] { return result }
        return running.contains(id) ? .running : .notStarted
    }

    func start(_ id: String, _ work: @escaping @Sendable () async throws -> Void) {
        guard !running.contains(id), results[id] == nil else { return }
        running.insert(id)
        tasks[id] = Task {
            let outcome: RestoreStateMachine.RestoreWork
            do {
                try await work()
                outcome = .succeeded
            } catch {
                outcome = .failed("\(error)")
            }
            self.finish(id, outcome)
        }
    }

    private func finish(_ id: String, _ outcome: RestoreStateMachine.RestoreWork) {
        running.remove(id)
        results[id] = outcome
        tasks[id] = nil
    }

    /// Cancels what runs (leadership lost).
    func cancelAll() {
        for task in tasks.values { task.cancel() }
    }
}
