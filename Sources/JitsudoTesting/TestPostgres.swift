import Foundation
public import JitsudoStore
import LocalPostgres
import Logging
import PostgresNIO

/// A real PostgreSQL for tests: started once per test process from the machine's binaries (`initdb` into a
/// temporary directory, `pg_ctl -w` on a free loopback port, as the `postgres` user when running as root),
/// or taken from `JITSUDO_TEST_DATABASE_URL` (a superuser URL) when that is set. Each test gets a fresh
/// database of its own. The cluster is stopped and its directory removed when the process exits.
public actor TestPostgres {
    /// The process-wide instance.
    public static let shared = TestPostgres()

    private var started: Task<DatabaseURL, any Error>?
    private var adminClient: PostgresClient?
    private var counter = 0

    /// The superuser URL of the cluster, starting it on first use.
    public func serverURL() async throws -> DatabaseURL {
        if let started { return try await started.value }
        let task = Task { try Self.startCluster() }
        started = task
        return try await task.value
    }

    /// Creates an empty database with a unique name and returns its superuser URL.
    public func createDatabase() async throws -> DatabaseURL {
        let server = try await serverURL()
        counter += 1
        let name = "jt_\(ProcessInfo.processInfo.processIdentifier)_\(counter)_\(UInt32.random(in: 0...UInt32.max))"
        try await admin(server).query("CREATE DATABASE \(unescaped: name)")
        return server.with(database: name)
    }

    /// Runs one SQL statement on the cluster's `postgres` database (to create roles, rename databases …).
    public func execute(_ sql: String) async throws {
        let server = try await serverURL()
        try await admin(server).query(PostgresQuery(unsafeSQL: sql))
    }

    private func admin(_ server: DatabaseURL) -> PostgresClient {
        if let adminClient { return adminClient }
        var configuration = server.with(database: "postgres").clientConfiguration(applicationName: "jitsudo-tests-admin")
        configuration.options.maximumConnections = 2
        let client = PostgresClient(configuration: configuration)
        // The admin client lives as long as the test process; nothing else owns it.
        Task.detached { await client.run() }
        adminClient = client
        return client
    }

    private static func startCluster() throws -> DatabaseURL {
        if let text = ProcessInfo.processInfo.environment["JITSUDO_TEST_DATABASE_URL"], !text.isEmpty {
            return try DatabaseURL(text)
        }
        let cluster = try PostgresCluster.start()
        TestPostgresCleanup.register(cluster)
        return try DatabaseURL("postgres://postgres@127.0.0.1:\(cluster.port)/postgres?sslmode=disable")
    }
}

/// A test database with a running client; see ``withTestDatabase(migrated:_:)``.
public struct TestDatabase: Sendable {
    /// The superuser URL of this database.
    public let url: DatabaseURL
    /// The handle the repositories take.
    public let database: Database

    /// Links every staged audit event into the chain, as the leader's sequencer would (a store-level test runs no
    /// leader); returns how many it linked.
    @discardableResult
    public func sequenceAudit() async throws -> Int {
        try await AuditSequencer(database: database).sequenceAll(fence: nil)
    }
}

/// Creates a fresh database (migrated unless told otherwise), runs `body` with a running client, then
/// shuts the client down. The database is left for inspection and goes away with the cluster.
public func withTestDatabase<Result: Sendable>(
    migrated: Bool = true,
    maximumConnections: Int = 8,
    _ body: (TestDatabase) async throws -> Result
) async throws -> Result {
    let url = try await TestPostgres.shared.createDatabase()
    return try await withClient(url, maximumConnections: maximumConnections) { database in
        if migrated { try await Migrator.migrate(database, logger: database.logger) }
        return try await body(TestDatabase(url: url, database: database))
    }
}

/// Runs `body` with a ``Database`` whose PostgresNIO client runs for exactly the body's duration.
public func withClient<Result: Sendable>(
    _ url: DatabaseURL,
    maximumConnections: Int = 20,
    _ body: (Database) async throws -> Result
) async throws -> Result {
    var logger = Logger(label: "jitsudo.tests")
    logger.logLevel = .warning
    return try await Database.withClient(url, applicationName: "jitsudo-tests", maximumConnections: maximumConnections, logger: logger, body)
}
