import ArgumentParser
import Foundation
import JitsudoStore
import Logging

/// `jitsudod migrate`: applies pending migrations and exits (0 when up to date).
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations to the configured database and exit.",
        discussion: """
            The database is taken from --db-url, else JITSUDOD_DATABASE_URL, else DATABASE_URL
            (postgres://user:password@host:5432/database?sslmode=disable). Safe to run from several replicas
            at once: an advisory lock makes each migration apply exactly once.
            """
    )

    @Option(name: .customLong("db-url"), help: "Database URL (default: $JITSUDOD_DATABASE_URL, then $DATABASE_URL).")
    var databaseURL: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let text = databaseURL ?? environment["JITSUDOD_DATABASE_URL"] ?? environment["DATABASE_URL"], !text.isEmpty else {
            throw ValidationError("no database configured — set DATABASE_URL=postgres://user:password@host:5432/jitsudo or pass --db-url")
        }
        let url: DatabaseURL
        do { url = try DatabaseURL(text) } catch { throw ValidationError(error.message) }
        var logger = Logger(label: "jitsudod")
        logger.logLevel = .warning
        let applied = try await DaemonDatabase.run(url, logger: logger) { database in
            try await Migrator.migrate(database, logger: logger)
        }
        for migration in applied { print("Applied migration \(migration.version): \(migration.name)") }
        let version = Migration.all.last?.version ?? 0
        print(applied.isEmpty ? "Database schema is up to date (version \(version))." : "Database schema is now at version \(version).")
    }
}
