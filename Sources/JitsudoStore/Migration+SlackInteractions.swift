extension Migration {
    /// Slack interactive approvals: the signatures already answered (replays are refused), and each principal's
    /// groups as their last OIDC token stated them, so a decision made in Slack is judged with the same groups as
    /// that person's API calls.
    static let slackInteractions = Migration(
        version: 6,
        name: "0006_slack_interactions.sql",
        statements: [
            """
            CREATE TABLE slack_interactions_seen (
                signature text PRIMARY KEY CHECK (length(signature) BETWEEN 1 AND 128),
                slack_timestamp bigint NOT NULL,
                received_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "ALTER TABLE principals ADD COLUMN groups text[] NOT NULL DEFAULT '{}'",
            """
            DO $$
            BEGIN
                IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jitsudo_app') THEN
                    GRANT SELECT, INSERT, DELETE ON slack_interactions_seen TO jitsudo_app;
                END IF;
            END
            $$
            """,
        ]
    )
}
