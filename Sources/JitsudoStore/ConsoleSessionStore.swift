import PostgresNIO

/// The web console's server-side state: sign-ins under way (each used once, within 10 minutes) and sessions
/// (looked up by the SHA-256 of the cookie's id; expired ones are never returned and are deleted as new ones start).
public struct ConsoleSessionStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// A signed-in person as the session recorded them at sign-in.
    public struct Session: Sendable, Hashable {
        public var identity: String
        public var subject: String
        public var groups: [String]
        public var isAdmin: Bool
        public var csrfToken: String

        public init(identity: String, subject: String, groups: [String], isAdmin: Bool, csrfToken: String) {
            self.identity = identity
            self.subject = subject
            self.groups = groups
            self.isAdmin = isAdmin
            self.csrfToken = csrfToken
        }
    }

    /// Records a sign-in under way.
    public func beginLogin(state: String, codeVerifier: String, nonce: String) async throws {
        try await database.query("DELETE FROM console_logins WHERE created_at < now() - interval '10 minutes'")
        try await database.query(
            "INSERT INTO console_logins (state, code_verifier, nonce) VALUES (\(state), \(codeVerifier), \(nonce))")
    }

    /// Takes the sign-in of `state` (at most once, within 10 minutes): its PKCE verifier and nonce.
    public func finishLogin(state: String) async throws -> (codeVerifier: String, nonce: String)? {
        let rows = try await database.query(
            """
            DELETE FROM console_logins WHERE state = \(state) RETURNING code_verifier, nonce, created_at >= now() - interval '10 minutes'
            """)
        var found: (String, String)?
        for try await (verifier, nonce, fresh) in rows.decode((String, String, Bool).self) where fresh { found = (verifier, nonce) }
        return found.map { (codeVerifier: $0.0, nonce: $0.1) }
    }

    /// Stores a new session under the hash of its id, valid for `lifetimeSeconds`.
    public func create(idHash: String, _ session: Session, lifetimeSeconds: Int64) async throws {
        try await database.query("DELETE FROM console_sessions WHERE expires_at < now()")
        try await database.query(
            """
            INSERT INTO console_sessions (id_hash, identity, subject, groups, is_admin, csrf_token, expires_at)
            VALUES (\(idHash), \(session.identity), \(session.subject), \(session.groups), \(session.isAdmin), \(session.csrfToken),
                now() + (\(lifetimeSeconds) * interval '1 second'))
            """)
    }

    /// The unexpired session whose id hashes to `idHash`.
    public func session(idHash: String) async throws -> Session? {
        let rows = try await database.query(
            """
            SELECT identity, subject, groups, is_admin, csrf_token FROM console_sessions
            WHERE id_hash = \(idHash) AND expires_at > now()
            """)
        var found: Session?
        for try await (identity, subject, groups, isAdmin, csrf) in rows.decode((String, String, [String], Bool, String).self) {
            found = Session(identity: identity, subject: subject, groups: groups, isAdmin: isAdmin, csrfToken: csrf)
        }
        return found
    }

    /// Ends a session (logout).
    public func delete(idHash: String) async throws {
        try await database.query("DELETE FROM console_sessions WHERE id_hash = \(idHash)")
    }
}
