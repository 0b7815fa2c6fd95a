import JitsudoStore
import JitsudoTesting
import PostgresNIO
import Testing

@Suite struct MigrationTests {
    @Test func fiveConcurrentMigratorsApplyEachMigrationExactlyOnce() async throws {
        try await withTestDatabase(migrated: false) { test in
            let appliedCounts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        try await withClient(test.url, maximumConnections: 1) { database in
                            try await Migrator.migrate(database, logger: database.logger).count
                        }
                    }
                }
                var counts: [Int] = []
                for try await value in group { counts.append(value) }
                return counts
            }
            #expect(appliedCounts.reduce(0, +) == Migration.all.count)
            #expect(try await count(test.database, "SELECT COUNT(*)::integer FROM schema_migrations") == Migration.all.count)
            #expect(try await Migrator.migrate(test.database, logger: test.database.logger).isEmpty, "a second run applies nothing")
            #expect(try await Migrator.isCurrent(test.database))
            #expect(try await count(test.database, "SELECT last_id::integer FROM audit_chain_head WHERE id = 1") == 0)
        }
    }

    /// `jitsudod serve` migrates at start. As the least-privilege role of ops/sql/app-role.sql, on a database the owner
    /// migrated, that is a no-op: PostgreSQL 15 refuses even `CREATE TABLE IF NOT EXISTS` of an existing table to a
    /// role without CREATE on the schema, so the migrator issues nothing when nothing is pending. On a database not
    /// migrated yet the same role is refused (it may not create the schema), naming the cause.
    @Test func theApplicationRoleStartsOnAMigratedDatabaseAndCannotMigrateAFreshOne() async throws {
        try await TestPostgres.shared.execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jitsudo_app') THEN CREATE ROLE jitsudo_app LOGIN; END IF; END $$"
        )
        try await withTestDatabase { test in
            var appURL = test.url
            appURL.username = "jitsudo_app"
            try await withClient(appURL) { (app: Database) async throws in
                #expect(try await Migrator.migrate(app, logger: app.logger).isEmpty)
                #expect(try await Migrator.isCurrent(app))
            }
        }
        try await withTestDatabase(migrated: false) { test in
            var appURL = test.url
            appURL.username = "jitsudo_app"
            try await withClient(appURL) { app in
                do {
                    _ = try await Migrator.migrate(app, logger: app.logger)
                    Issue.record("jitsudo_app migrated a fresh database")
                } catch {
                    #expect("\(String(reflecting: error))".contains("permission denied"), "\(String(reflecting: error))")
                }
            }
        }
    }

    /// A request's statement and its audit events commit autocommitted (`RequestRepository.create`): that is sound only
    /// while nothing in the schema is deferred to commit, where PostgresNIO would lose the error (it arrives after the
    /// statement's rows). A deferrable constraint or constraint trigger added later fails here first.
    @Test func nothingInTheSchemaIsDeferredToCommit() async throws {
        try await withTestDatabase { test in
            func deferred() async throws -> [String] {
                let rows = try await test.database.query(
                    """
                    SELECT c.conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                    WHERE n.nspname = current_schema() AND c.condeferrable
                    UNION
                    SELECT t.tgname FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid JOIN pg_namespace n ON n.oid = r.relnamespace
                    WHERE n.nspname = current_schema() AND t.tgdeferrable AND NOT t.tgisinternal
                    """)
                var names: [String] = []
                for try await name in rows.decode(String.self) { names.append(name) }
                return names.sorted()
            }
            let found = try await deferred()
            #expect(found.isEmpty, "deferred to commit: \(found)")
            // The check sees a deferrable constraint and a deferred constraint trigger.
            try await test.database.query("CREATE TABLE probe (id integer CONSTRAINT probe_unique UNIQUE DEFERRABLE)")
            try await test.database.query("CREATE FUNCTION probe_check() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$")
            try await test.database.query(
                "CREATE CONSTRAINT TRIGGER probe_trigger AFTER INSERT ON probe DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION probe_check()"
            )
            #expect(try await deferred() == ["probe_trigger", "probe_unique"])
        }
    }

    @Test func anEmptyDatabaseIsNotCurrent() async throws {
        try await withTestDatabase(migrated: false) { (test: TestDatabase) async throws in
            #expect(try await Migrator.currentVersion(test.database) == 0)
            #expect(try await !Migrator.isCurrent(test.database))
        }
    }

    @Test func aFailingMigrationLeavesNothingBehindAndNamesItself() async throws {
        try await withTestDatabase(migrated: false) { test in
            let broken = Migration(
                version: 99, name: "0099_broken.sql", statements: ["CREATE TABLE half_done (x int)", "SELECT * FROM missing_table"])
            do {
                try await Migrator.migrate(test.database, migrations: [broken], logger: test.database.logger)
                Issue.record("expected the migration to fail")
            } catch let error as StoreError {
                #expect(error.code == .migration)
                #expect(error.message.contains("migration 99 (0099_broken.sql) failed at statement 2"))
            }
            // The whole transaction rolled back: not even the bookkeeping table exists.
            #expect(
                try await count(test.database, "SELECT COUNT(*)::integer FROM pg_tables WHERE tablename IN ('half_done', 'schema_migrations')") == 0)
        }
    }

    @Test func operatorSQLFromTheRunbooksRuns() async throws {
        try await withTestDatabase { test in
            for sql in [
                "UPDATE policies SET enabled = false WHERE type = 'ELIGIBILITY'",
                "UPDATE policies SET enabled = true  WHERE type = 'ELIGIBILITY'",
                "SELECT COUNT(*) FROM audit_events",
                "SELECT COUNT(*) FROM requests",
                "SELECT id, requester_identity, expires_at FROM requests WHERE state = 'ACTIVE'",
            ] {
                try await test.database.query(PostgresQueryText(sql).query)
            }
        }
    }
}

@Suite struct DatabaseErrorDescriptionTests {
    /// PostgresNIO hides a PSQLError behind a generic description; the logs need the SQLSTATE and the server's message.
    @Test func aServerErrorIsDescribedWithItsSQLStateAndMessageButNotTheQuery() async throws {
        try await withTestDatabase(migrated: false) { test in
            do {
                try await test.database.connections.query("SELECT secret_column FROM replicas_not_there", logger: test.database.logger)
                Issue.record("the query should have failed")
            } catch {
                let text = Database.describe(error)
                #expect(text.hasPrefix("PostgreSQL error 42P01: "), "\(text)")
                #expect(text.contains("replicas_not_there") && text.contains("does not exist"), "\(text)")
                #expect(!text.contains("secret_column"), "the query text is not logged: \(text)")
            }
            #expect(Database.describe(StoreError(.unavailable, "down")) == "down")
        }
    }
}
