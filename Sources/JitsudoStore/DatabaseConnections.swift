public import Logging
public import PostgresNIO

/// A process's database connections: `count` PostgresNIO clients of one connection each. A lease goes to the first
/// client not leased; while all are leased it waits, first come first served, for the first to come back
/// (``ConnectionLeases``).
///
/// Why not one pooled `PostgresClient` of `count` connections: PostgresNIO 1.33.2's pool either arms and cancels an
/// idle-timeout timer on every lease of a connection above its minimum (jitsudod spent about 28 % more CPU per
/// request that way), or, given a minimum, stops the process after a database outage. While PostgreSQL is down it
/// drops all but one of its failing reconnects, comes back below its minimum, and the next lease that finds no
/// connection idle fails the precondition `minimumConcurrentConnections <= active` (a replica of the HA chaos test
/// trapped there). A client of one connection kept open (minimum 1, no keep-alive pings) never arms the idle timer
/// and never falls below its minimum while it runs: it has one connection to retry, and replaces a closed one in the
/// same step that forgets it (docs/decisions.md, "Database connections: one client per connection").
///
/// `keptOpen: false` (one-shot tools, tests) opens each connection on first use and closes it after 60 s idle. So does
/// a configuration with keep-alive pings, whose failed ping closes the connection before the replacement is asked for.
public final class DatabaseConnections: Sendable {
    private let clients: [PostgresClient]
    private let leases: ConnectionLeases

    public init(
        configuration: PostgresClient.Configuration,
        count: Int,
        keptOpen: Bool,
        backgroundLogger: Logger
    ) {
        var single = configuration
        single.options.maximumConnections = 1
        single.options.minimumConnections = keptOpen && configuration.options.keepAliveBehavior == nil ? 1 : 0
        clients = (0..<max(count, 1)).map { _ in
            PostgresClient(configuration: single, backgroundLogger: backgroundLogger)
        }
        leases = ConnectionLeases(count: clients.count)
    }

    /// Runs every client until cancelled (or a graceful shutdown). A lease made before waits until its client runs,
    /// and PostgresNIO logs a warning for it: lease after `whenRunning` (called once every client was started).
    public func run(whenRunning: @escaping @Sendable () -> Void = {}) async {
        let (entered, entering) = AsyncStream<Void>.makeStream()
        await withDiscardingTaskGroup { group in
            for client in clients {
                group.addTask {
                    entering.yield()
                    await client.run()
                }
            }
            group.addTask { [count = clients.count] in
                var started = 0
                for await _ in entered {
                    started += 1
                    if started == count { break }
                }
                // The last client's task enters `run()` right after it said so; let it.
                await Task.yield()
                whenRunning()
            }
        }
    }

    /// Leases a connection for `body`'s duration.
    public func withConnection<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let index = try await leases.lease()
        defer { leases.release(index) }
        return try await clients[index].withConnection { connection in
            // A connection PostgreSQL closed a moment ago may still be handed out until the client has heard of it;
            // a statement written to it could wait forever (see ``Database/transaction(_:_:)``). Fail at once instead.
            guard !connection.isClosed else {
                throw StoreError(.unavailable, "database connection lost; nothing was sent")
            }
            return try await body(connection)
        }
    }

    /// Runs one statement. The connection is leased only until the statement's first reply: a lease after that
    /// queues its statement on the connection behind the unread rows (which PostgreSQL has sent whole, for any result
    /// short of the driver's read buffer), so a connection is never leased while it waits for nothing but its reader.
    @discardableResult
    public func query(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        try await withConnection { connection in try await connection.query(query, logger: logger) }
    }

    /// Runs a prepared statement (prepared on each connection at its first use there), leased as ``query(_:logger:)``.
    public func execute<Statement: PostgresPreparedStatement, Row>(
        _ statement: Statement, logger: Logger
    ) async throws -> AsyncThrowingMapSequence<PostgresRowSequence, Row> where Row == Statement.Row, Row: Sendable {
        try await withConnection { connection in try await connection.execute(statement, logger: logger) }
    }
}
