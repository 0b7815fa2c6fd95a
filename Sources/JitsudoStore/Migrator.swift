public import Logging
import PostgresNIO

/// Applies the embedded ``Migration``s once, even when many replicas start together.
///
/// Each migration runs in its own transaction that first takes the transaction-scoped advisory lock
/// `7278657001` (`schema.md` §3), then checks `schema_migrations`: the first replica applies it, the
/// others wait on the lock and find it recorded.
public enum Migrator {
    /// The advisory lock key for migrations.
    public static let lockKey: Int64 = 7_278_657_001

    /// Applies every pending migration and returns the ones this call applied (empty when up to date).
    ///
    /// - Throws: ``StoreError`` `migration` naming the version that failed (nothing of it is kept), or `unavailable`.
    @discardableResult
    public static func migrate(
        _ database: Database,
        migrations: [Migration] = Migration.all,
        logger: Logger
    ) async throws -> [Migration] {
        // Up to date: nothing to lock or create. This is what lets `jitsudod serve` start as the least-privilege role
        // jitsudo_app (ops/sql/app-role.sql), which may not CREATE in the schema — not even `CREATE TABLE IF NOT EXISTS`
        // of a table that exists — once the owner ran `jitsudod migrate`.
        if try await isCurrent(database, migrations: migrations) { return [] }
        var applied: [Migration] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) {
            let didApply = try await database.transaction { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
                try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version integer PRIMARY KEY,
                        name text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """,
                    logger: logger
                )
                let rows = try await connection.query(
                    "SELECT 1 FROM schema_migrations WHERE version = \(migration.version)", logger: logger
                )
                for try await _ in rows { return false }
                for (index, statement) in migration.statements.enumerated() {
                    do {
                        for try await _ in try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) {}
                    } catch {
                        let detail = (error as? PSQLError)?.serverInfo?[.message] ?? "\(error)"
                        throw StoreError(
                            .migration,
                            "migration \(migration.version) (\(migration.name)) failed at statement \(index + 1): \(detail)",
                            context: ["version": "\(migration.version)"]
                        )
                    }
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger
                )
                return true
            }
            if didApply {
                logger.info("migration applied", metadata: ["migration.version": "\(migration.version)", "migration.name": "\(migration.name)"])
                applied.append(migration)
            }
        }
        return applied
    }

    /// The highest applied version, or 0 when nothing is applied yet.
    public static func currentVersion(_ database: Database) async throws -> Int {
        let exists = try await database.query("SELECT to_regclass('public.schema_migrations') IS NOT NULL")
        for try await present in exists.decode(Bool.self) where !present { return 0 }
        let rows = try await database.query("SELECT COALESCE(MAX(version), 0)::integer FROM schema_migrations")
        for try await version in rows.decode(Int.self) { return version }
        return 0
    }

    /// True when every embedded migration is applied.
    public static func isCurrent(_ database: Database, migrations: [Migration] = Migration.all) async throws -> Bool {
        try await currentVersion(database) >= (migrations.map(\.version).max() ?? 0)
    }
}
