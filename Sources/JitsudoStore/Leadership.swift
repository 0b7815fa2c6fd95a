import Foundation
public import Logging
public import PostgresNIO

/// The leader lock of `schema.md` §3 and the fencing token of §7.1, on one dedicated connection.
///
/// The connection is opened outside the pool and used for nothing else: holding session-level advisory
/// lock `7278657000` *is* leadership, so losing the connection loses it. Server-side keepalive settings make
/// PostgreSQL notice a dead holder within seconds; a standby that sees a stale heartbeat terminates the
/// holder's backend. Every leader write re-checks the epoch in its own transaction (see ``fence(_:on:logger:)``).
public final class LeaderLockConnection: Sendable {
    /// The advisory lock key of the leader.
    public static let lockKey: Int64 = 7_278_657_000

    let connection: PostgresConnection
    let logger: Logger
    /// The server process id of this connection (`pg_backend_pid()`), the pid `pg_locks` shows for the lock.
    public let backendPID: Int

    private init(connection: PostgresConnection, backendPID: Int, logger: Logger) {
        self.connection = connection
        self.backendPID = backendPID
        self.logger = logger
    }

    /// Opens the dedicated connection and sets the dead-peer detection settings on it.
    public static func open(_ url: DatabaseURL, logger: Logger) async throws -> LeaderLockConnection {
        var configuration = try url.connectionConfiguration()
        configuration.options.additionalStartupParameters = [("application_name", "jitsudod-leader")]
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 7, logger: logger)
        var pid = 0
        do {
            for setting in [
                "SET tcp_keepalives_idle = 2", "SET tcp_keepalives_interval = 1", "SET tcp_keepalives_count = 3",
                "SET tcp_user_timeout = 3000", "SET client_connection_check_interval = '250ms'",
            ] {
                try await connection.query(PostgresQuery(unsafeSQL: setting), logger: logger)
            }
            for try await value in try await connection.query("SELECT pg_backend_pid()", logger: logger).decode(Int.self) { pid = value }
        } catch {
            // Never release an unclosed connection (PostgresNIO traps on that in debug builds).
            try? await connection.close()
            throw error
        }
        return LeaderLockConnection(connection: connection, backendPID: pid, logger: logger)
    }

    /// Every statement on the lock connection goes through here. A connection PostgreSQL already closed (the
    /// backend was terminated, the server restarted) fails at once: PostgresNIO does not fail a query queued on a
    /// closed connection, it leaves it waiting forever, which would leave a lost leader or a standby stuck.
    private func query(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        guard !connection.isClosed else { throw StoreError(.unavailable, "the leader connection is closed") }
        return try await connection.query(query, logger: logger)
    }

    /// Tries the lock once; returns whether this connection now holds it.
    public func tryLock() async throws -> Bool {
        let rows = try await query("SELECT pg_try_advisory_lock(\(Self.lockKey))", logger: logger)
        var acquired = false
        for try await value in rows.decode(Bool.self) { acquired = value }
        return acquired
    }

    /// With the lock held: bumps the epoch, records this holder and returns the new epoch.
    ///
    /// The row is taken `FOR UPDATE`, which conflicts with the `FOR KEY SHARE` of every fenced write
    /// (``Leadership/fence(_:on:logger:)``): the bump waits for the old leader's open writes to end, and every
    /// later one sees the new epoch. Heartbeats (plain updates) do not conflict with fenced writes.
    public func bumpEpoch(holder: String) async throws -> Int64 {
        let updated = try await query(
            """
            WITH locked AS (SELECT id FROM leadership WHERE id = 1 FOR UPDATE)
            UPDATE leadership SET epoch = epoch + 1, holder = \(holder), backend_pid = pg_backend_pid(), heartbeat_at = now()
            FROM locked WHERE leadership.id = locked.id RETURNING epoch
            """,
            logger: logger
        )
        for try await epoch in updated.decode(Int64.self) { return epoch }
        throw StoreError(.integrity, "leadership row missing; run 'jitsudod migrate'")
    }

    /// Terminates the sessions that block this connection's ``bumpEpoch(holder:)``: open transactions of a frozen or
    /// cut-off old leader holding the leadership row. Their writes roll back, which is what fencing wants. Runs on a
    /// short-lived connection of its own (the lock connection is the one waiting). Returns how many were terminated.
    public func terminateBlockers(_ url: DatabaseURL) async throws -> Int {
        let helper = try await PostgresConnection.connect(configuration: url.connectionConfiguration(), id: 8, logger: logger)
        do {
            let rows = try await helper.query(
                "SELECT count(*)::integer FROM unnest(pg_blocking_pids(\(backendPID)::integer)) AS b(pid) WHERE pg_terminate_backend(b.pid)",
                logger: logger
            )
            var count = 0
            for try await value in rows.decode(Int.self) { count = value }
            try? await helper.close()
            return count
        } catch {
            try? await helper.close()
            throw error
        }
    }

    /// Tries the lock once; on success bumps the epoch, records this holder and returns the new epoch.
    public func tryAcquire(holder: String) async throws -> Int64? {
        guard try await tryLock() else { return nil }
        return try await bumpEpoch(holder: holder)
    }

    /// Writes the heartbeat; false when a newer epoch exists (this replica is no longer the leader).
    public func heartbeat(epoch: Int64) async throws -> Bool {
        let rows = try await query(
            "UPDATE leadership SET heartbeat_at = now() WHERE id = 1 AND epoch = \(epoch) RETURNING epoch", logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    /// Releases the lock (on SIGTERM) so a standby takes over at once.
    public func release() async {
        _ = try? await query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
    }

    /// Closes the connection (and with it the lock).
    public func close() async {
        try? await connection.close()
    }

    /// True while the connection is usable.
    public var isOpen: Bool { !connection.isClosed }
}

/// Reading and fencing leadership through the pool.
public struct Leadership: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// The leadership row as the database sees it.
    public struct Status: Sendable, Hashable {
        public var epoch: Int64
        public var holder: String
        public var backendPID: Int?
        public var heartbeatAgeMilliseconds: Int64
    }

    public func status() async throws -> Status {
        let rows = try await database.query(
            """
            SELECT epoch, holder, backend_pid, (extract(epoch from (now() - heartbeat_at)) * 1000)::bigint
            FROM leadership WHERE id = 1
            """
        )
        for try await (epoch, holder, pid, age) in rows.decode((Int64, String, Int?, Int64).self) {
            return Status(epoch: epoch, holder: holder, backendPID: pid, heartbeatAgeMilliseconds: age)
        }
        throw StoreError(.integrity, "leadership row missing; run 'jitsudod migrate'")
    }

    /// Terminates the backend that holds the leader lock, if its heartbeat is still older than `ttlMilliseconds`
    /// (checked again in the same statement, so a holder that just recovered is left alone). Returns whether it did.
    public func terminateStaleHolder(ttlMilliseconds: Int64) async throws -> Bool {
        let rows = try await database.query(
            """
            SELECT pg_terminate_backend(l.pid) FROM pg_locks l, leadership s
            WHERE l.locktype = 'advisory' AND l.classid = 1 AND l.objid = 2983689704 AND l.objsubid = 1 AND l.granted
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND s.id = 1 AND now() - s.heartbeat_at > (\(ttlMilliseconds) * interval '1 millisecond')
            """
        )
        var terminated = false
        for try await value in rows.decode(Bool.self) { terminated = terminated || value }
        return terminated
    }

    /// Inside a leader's write transaction: fails unless `epoch` is still the current one. Takes a key-share lock on
    /// the leadership row, so a new leader's epoch bump (`FOR UPDATE`) waits for this transaction and every later
    /// write of the old leader sees the new epoch and changes nothing. The leader's own heartbeat (a plain update)
    /// does not wait for it, so a slow provider call inside a fenced transaction never delays the heartbeat.
    public static func fence(_ epoch: Int64, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query("SELECT epoch FROM leadership WHERE id = 1 FOR KEY SHARE", logger: logger)
        var current: Int64 = -1
        for try await value in rows.decode(Int64.self) { current = value }
        guard current == epoch else {
            throw StoreError(
                .failedPrecondition, "leadership moved to epoch \(current); this replica (epoch \(epoch)) may not write",
                context: ["epoch": "\(epoch)", "current": "\(current)"])
        }
    }
}
