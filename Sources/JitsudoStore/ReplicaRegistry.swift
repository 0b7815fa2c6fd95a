import PostgresNIO

/// The `replicas` table: each replica writes its role, epoch and address every heartbeat, so any one of them can
/// report all of them (`/readyz` → `jitsudo server status`). A replica deletes its row when it stops gracefully;
/// a crashed one's row ages: it is listed as stale for `withinSeconds`, then no longer listed.
public struct ReplicaRegistry: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// One replica as last reported.
    public struct Replica: Sendable, Hashable {
        public var id: String
        public var address: String
        public var role: String
        public var epoch: Int64
        /// Milliseconds since the replica last reported.
        public var heartbeatAgeMilliseconds: Int64
    }

    /// Records that replica `id` is alive with `role` and `epoch`.
    public func report(id: String, address: String, leader: Bool, epoch: Int64) async throws {
        let role = leader ? "leader" : "standby"
        try await database.query(
            """
            INSERT INTO replicas (id, address, role, epoch) VALUES (\(id), \(address), \(role), \(epoch))
            ON CONFLICT (id) DO UPDATE SET address = EXCLUDED.address, role = EXCLUDED.role, epoch = EXCLUDED.epoch, seen_at = now()
            """
        )
    }

    /// Removes replica `id` (graceful stop).
    public func remove(id: String) async throws {
        try await database.query("DELETE FROM replicas WHERE id = \(id)")
    }

    /// Replicas seen within `withinSeconds`, by id.
    public func list(withinSeconds: Int64 = 300) async throws -> [Replica] {
        let rows = try await database.query(
            """
            SELECT id, address, role, epoch, (extract(epoch from (now() - seen_at)) * 1000)::bigint
            FROM replicas WHERE seen_at >= now() - (\(withinSeconds) * interval '1 second') ORDER BY id
            """
        )
        var replicas: [Replica] = []
        for try await (id, address, role, epoch, age) in rows.decode((String, String, String, Int64, Int64).self) {
            replicas.append(Replica(id: id, address: address, role: role, epoch: epoch, heartbeatAgeMilliseconds: age))
        }
        return replicas
    }
}
