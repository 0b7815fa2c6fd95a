import Foundation
import JitsudoCore
import JitsudoStore
import Logging
import OperatorCore
import PostgresNIO

/// The operator's own database work for a restore, against a real PostgreSQL: creating the restore database and the
/// renames with `psql` as a subprocess (the URL passed in the environment, never on a command line), and the audit
/// chain verified with `jitsudo audit verify`'s logic (JitsudoStore's ``AuditLog/verify(progressEvery:progress:)``)
/// over PostgresNIO. Loading the backup is the restore Job's work (``RestoreJob``), not the operator's.
struct PostgresAdmin: Sendable {
    /// The admin URL (a superuser or the owner of the databases), naming its maintenance database.
    let admin: DatabaseURL
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

    /// Drops `database` (ending its sessions) and creates it empty: where the restore Job loads the backup.
    func recreate(database: String) async throws {
        try await execute("DROP DATABASE IF EXISTS \"\(database)\" WITH (FORCE);")
        try await execute("CREATE DATABASE \"\(database)\";")
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
            return .broken(
                firstBrokenEvent: "none", reason: "the audit log of database \(database) cannot be read: \(String(reflecting: error).prefix(300))")
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
