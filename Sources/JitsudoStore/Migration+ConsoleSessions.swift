extension Migration {
    /// The web console: sign-ins under way (OIDC state and PKCE verifier) and signed-in sessions. Session ids are
    /// stored as SHA-256 hashes, so a read of the table cannot be replayed as a cookie.
    static let consoleSessions = Migration(
        version: 7,
        name: "0007_console_sessions.sql",
        statements: [
            """
            CREATE TABLE console_logins (
                state text PRIMARY KEY CHECK (length(state) BETWEEN 16 AND 128),
                code_verifier text NOT NULL CHECK (length(code_verifier) BETWEEN 43 AND 128),
                nonce text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            """
            CREATE TABLE console_sessions (
                id_hash text PRIMARY KEY CHECK (length(id_hash) = 64),
                identity text NOT NULL CHECK (identity <> ''),
                subject text NOT NULL DEFAULT '',
                groups text[] NOT NULL DEFAULT '{}',
                is_admin boolean NOT NULL DEFAULT false,
                csrf_token text NOT NULL CHECK (length(csrf_token) >= 32),
                created_at timestamptz NOT NULL DEFAULT now(),
                expires_at timestamptz NOT NULL
            )
            """,
            "CREATE INDEX console_sessions_expiry ON console_sessions (expires_at)",
            """
            DO $$
            BEGIN
                IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jitsudo_app') THEN
                    GRANT SELECT, INSERT, DELETE ON console_logins, console_sessions TO jitsudo_app;
                END IF;
            END
            $$
            """,
        ]
    )
}
