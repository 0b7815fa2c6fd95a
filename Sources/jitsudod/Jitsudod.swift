import ArgumentParser
import Foundation
import JitsudoStore
import Logging

/// `jitsudod`: the jitsudo control plane daemon. So far it only knows `migrate`; serving arrives with the control plane.
@main
struct Jitsudod: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jitsudod",
        abstract: "The jitsudo control plane: REST API, policy engine, request workflow and audit log.",
        discussion: """
            Commands:
              migrate   apply pending database migrations to DATABASE_URL and exit

            The database is taken from JITSUDOD_DATABASE_URL, else DATABASE_URL
            (postgres://user:password@host:5432/database?sslmode=disable).
            """,
        subcommands: [Migrate.self]
    )
}

/// `jitsudod migrate`: applies pending migrations and exits (0 when up to date).
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations to the configured database and exit.",
        discussion: "Safe to run from several replicas at once: an advisory lock makes each migration apply exactly once."
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
        print(applied.isEmpty ? "Database schema is up to date (version \(Migration.all.last?.version ?? 0))." : "Database schema is now at version \(applied.last?.version ?? 0).")
    }
}
