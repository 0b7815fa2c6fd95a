public import Logging
public import PostgresNIO

/// The handle every repository shares: the process's database connections (whose `run()` the owner drives) and
/// transaction helpers that keep our own errors intact.
public struct Database: Sendable {
    /// The connections. The owner must keep `connections.run()` running (a service or a task group).
    public let connections: DatabaseConnections
    public let logger: Logger

    public init(connections: DatabaseConnections, logger: Logger) {
        self.connections = connections
        self.logger = logger
    }

    /// Runs a client for `url` only while `body` runs (one-shot work: migrations, `init`, `audit verify`, tests,
    /// restores); the client stops when `body` returns or throws.
    public static func withClient<Result: Sendable>(
        _ url: DatabaseURL,
        applicationName: String,
        maximumConnections: Int? = nil,
        logger: Logger,
        _ body: (Database) async throws -> Result
    ) async throws -> Result {
        let connections = DatabaseConnections(
            configuration: url.clientConfiguration(applicationName: applicationName), count: maximumConnections ?? 20, keptOpen: false,
            backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            // The body waits until the connections run: a lease before `run()` is a warning in every log.
            let (running, started) = AsyncStream<Void>.makeStream()
            group.addTask { await connections.run { started.finish() } }
            defer { group.cancelAll() }
            for await _ in running {}
            return try await body(Database(connections: connections, logger: logger))
        }
    }

    /// Transaction isolation levels we use.
    public enum Isolation: String, Sendable {
        case readCommitted = "READ COMMITTED"
        case repeatableReadReadOnly = "REPEATABLE READ READ ONLY"
    }

    /// Runs `body` in one transaction on one pooled connection: commit when it returns, roll back when it
    /// throws. The error `body` throws reaches the caller unchanged; driver errors become ``StoreError``.
    public func transaction<Result: Sendable>(
        _ isolation: Isolation = .readCommitted,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        do {
            return try await connections.withConnection { connection in
                try await connection.query("BEGIN ISOLATION LEVEL \(unescaped: isolation.rawValue)", logger: logger)
                do {
                    let result = try await body(connection)
                    // A connection PostgreSQL closed meanwhile (backend terminated, server restarted) must not get a
                    // query: PostgresNIO leaves a query on a closed connection waiting forever. Nothing was committed.
                    guard !connection.isClosed else {
                        throw StoreError(.unavailable, "database connection lost before COMMIT; the transaction was rolled back")
                    }
                    try await connection.query("COMMIT", logger: logger)
                    return result
                } catch {
                    if !connection.isClosed { _ = try? await connection.query("ROLLBACK", logger: logger) }
                    throw error
                }
            }
        } catch {
            throw Self.translate(error)
        }
    }

    /// Runs one statement outside an explicit transaction.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        do {
            return try await connections.query(query, logger: logger)
        } catch {
            throw Self.translate(error)
        }
    }

    /// An error as a log line can carry it: PostgresNIO's `PSQLError` describes itself only as "Generic description
    /// to prevent accidental leakage…", so its code, SQLSTATE and the server's message (never the query or its
    /// bindings) are spelled out; other errors as they describe themselves.
    public static func describe(_ error: any Error) -> String {
        guard let psql = error as? PSQLError else { return "\(error)" }
        if let state = psql.serverInfo?[.sqlState] {
            return "PostgreSQL error \(state): \(psql.serverInfo?[.message] ?? "no message")"
        }
        return "PostgreSQL \(psql.code)" + (psql.underlying.map { ": \($0)" } ?? "")
    }

    /// Maps driver errors to ``StoreError``; leaves every other error alone.
    public static func translate(_ error: any Error) -> any Error {
        if String(reflecting: type(of: error)).contains("ConnectionPoolError") {
            return StoreError(.unavailable, "database connection refused or lost: \(error)")
        }
        guard let psql = error as? PSQLError else { return error }
        if let state = psql.serverInfo?[.sqlState] {
            let message = psql.serverInfo?[.message] ?? "database error"
            switch state {
            // Constraint violations are never the caller's input (that is validated before it reaches SQL): they are
            // integrity failures, reported generically; the server's message must not carry SQL.
            case "23505", "23514", "23502", "22P02", "23503", "23000":
                return StoreError(.integrity, "the database refused a write (constraint violation)", context: ["sqlstate": state, "detail": message])
            case "57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004":
                return StoreError(.unavailable, "database unavailable: \(message)", context: ["sqlstate": state])
            default: return error
            }
        }
        switch psql.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed:
            return StoreError(.unavailable, "database connection refused or lost: \(psql.underlying.map { "\($0)" } ?? "\(psql.code)")")
        default:
            return error
        }
    }
}

/// SQL fragments reused by the repositories.
enum SQL {
    /// Microseconds since the epoch of a timestamptz expression, exactly (PG 14+ `extract` is numeric).
    static func micros(_ column: String) -> String { "(extract(epoch from \(column)) * 1000000)::bigint" }
    /// A timestamptz from a bound microsecond count, exactly (integer interval arithmetic).
    static let fromMicros = "timestamptz 'epoch' + ($1 * interval '1 microsecond')"
}
