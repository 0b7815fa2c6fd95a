import PostgresNIO

extension PrincipalRepository {
    /// Records that `identity` made an authenticated call with `groups` (from the OIDC token): creates the
    /// principal, bumps `last_seen_at` at most once a minute, and keeps the groups current whenever they change.
    public func touch(_ identity: String, groups: [String]) async throws {
        let sorted = Array(Set(groups)).sorted()
        try await database.query(
            """
            INSERT INTO principals (identity, groups) VALUES (\(identity), \(sorted))
            ON CONFLICT (identity) DO UPDATE SET last_seen_at = now(), groups = EXCLUDED.groups
            WHERE principals.last_seen_at < now() - interval '1 minute' OR principals.groups IS DISTINCT FROM EXCLUDED.groups
            """
        )
    }

    /// The groups `identity`'s last OIDC token stated; empty for an identity never seen.
    public func groups(of identity: String) async throws -> [String] {
        let rows = try await database.query("SELECT groups FROM principals WHERE identity = \(identity)")
        for try await groups in rows.decode([String].self) { return groups }
        return []
    }
}
