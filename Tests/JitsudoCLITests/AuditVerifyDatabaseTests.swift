import Foundation
import JitsudoCore
import JitsudoStore
import JitsudoTesting
import Testing

/// Runbook 3: `jitsudo audit verify` with DATABASE_URL set and no server, on a database restored from `pg_dump`.
@Suite struct AuditVerifyDatabaseTests {
    static func psqlEnvironment() -> [String: String] { ProcessInfo.processInfo.environment }

    @Test func restoredDumpVerifiesThenTamperingIsFound() async throws {
        let source = try await TestPostgres.shared.createDatabase()
        try await withClient(source) { database in
            try await Migrator.migrate(database, logger: database.logger)
            let log = AuditLog(database: database)
            for index in 1...25 {
                try await log.append(AuditDraft(actor: "user\(index)@example.com", action: "request.created", provider: "mock", resourceScope: "dev"))
            }
            try await AuditSequencer(database: database).sequenceAll(fence: nil)
        }
        let restored = try await TestPostgres.shared.createDatabase()
        let restore = try CLIRunner.spawn(
            "/bin/bash", ["-o", "pipefail", "-c", "pg_dump --no-owner --no-privileges \"$SRC\" | psql -q -v ON_ERROR_STOP=1 \"$DST\" >/dev/null"],
            environment: Self.psqlEnvironment().merging(["SRC": source.urlString, "DST": restored.urlString]) { $1 }, stdin: nil
        )
        #expect(restore.status == 0, "\(restore)")

        let cli = try CLIRunner()
        let intact = try await cli.run(["audit", "verify"], env: ["DATABASE_URL": restored.urlString])
        #expect(intact.status == 0, "\(intact)")
        #expect(intact.stdout == "Chain intact: 25 events verified\n", "\(intact)")
        #expect(intact.stderr.contains("directly in PostgreSQL"), "\(intact)")
        #expect(!intact.stderr.contains(restored.password ?? "\u{0}never"), "the password must not be shown")

        let progress = try await cli.run(["audit", "verify", "--progress-every", "10"], env: ["DATABASE_URL": restored.urlString])
        #expect(progress.stdout == "Chain intact: 25 events verified\n", "\(progress)")
        #expect(
            progress.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("… ") }
                == ["… 10 events verified", "… 20 events verified"], "progress lines on stderr: \(progress)")
        let quiet = try await cli.run(["audit", "verify", "--progress-every", "10", "-q"], env: ["DATABASE_URL": restored.urlString])
        #expect(!quiet.stderr.contains("events verified"), "\(quiet)")

        let json = try await cli.run(["audit", "verify", "--database-url", restored.urlString, "-o", "json"])
        #expect(json.status == 0, "\(json)")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["intact"] as? Bool == true)
        #expect((object?["events_verified"] as? NSNumber)?.intValue == 25)

        let tamper = try CLIRunner.spawn(
            "/usr/bin/psql",
            [
                restored.urlString, "-q", "-v", "ON_ERROR_STOP=1", "-c",
                "ALTER TABLE audit_events DISABLE TRIGGER USER; UPDATE audit_events SET actor_identity = 'mallory@example.com' WHERE id = 7; ALTER TABLE audit_events ENABLE TRIGGER USER;",
            ],
            environment: Self.psqlEnvironment(), stdin: nil
        )
        #expect(tamper.status == 0, "\(tamper)")
        let broken = try await cli.run(["audit", "verify"], env: ["DATABASE_URL": restored.urlString])
        #expect(broken.status == 3, "\(broken)")
        #expect(broken.stdout == "Chain broken at event 7: stored hash does not match its content\n", "\(broken)")
    }

    @Test func unreachableDatabaseExits1() async throws {
        let cli = try CLIRunner()
        let result = try await cli.run(["audit", "verify"], env: ["DATABASE_URL": "postgres://nobody:secret@127.0.0.1:9/jitsudo?sslmode=disable"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("Error: "), "\(result)")
        #expect(!result.stderr.contains("secret"), "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
    }

    @Test func emptyLogIsIntact() async throws {
        try await withTestDatabase { database in
            let cli = try CLIRunner()
            let result = try await cli.run(["audit", "verify", "--database-url", database.url.urlString])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == "Chain intact: 0 events verified\n", "\(result)")
        }
    }

    /// Events recorded but not yet sequenced by a leader are counted and said, not verified; the first line and the
    /// exit code are what they were.
    @Test func eventsNotYetSequencedAreReported() async throws {
        try await withTestDatabase { database in
            let log = AuditLog(database: database.database)
            try await log.append(AuditDraft(actor: "a@example.com", action: "request.created"))
            try await database.sequenceAudit()
            for index in 0..<2 { try await log.append(AuditDraft(actor: "b\(index)@example.com", action: "request.created")) }
            let cli = try CLIRunner()
            let table = try await cli.run(["audit", "verify", "--database-url", database.url.urlString])
            #expect(table.status == 0, "\(table)")
            #expect(
                table.stdout == "Chain intact: 1 events verified\n"
                    + "2 events recorded but not yet sequenced into the chain (the leader links them; not verified yet)\n", "\(table)")
            let json = try await cli.run(["audit", "verify", "--database-url", database.url.urlString, "-o", "json"])
            #expect(json.stdout.contains(#""unsequenced_events" : 2"#) || json.stdout.contains(#""unsequenced_events":2"#), "\(json)")
        }
    }
}
