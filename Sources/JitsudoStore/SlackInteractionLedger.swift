import PostgresNIO

/// The Slack interactions already answered, by request signature: a signed body is acted on at most once, by
/// whichever replica sees it first. Rows older than the signature window are useless (a stale timestamp is refused
/// before the ledger is asked) and are deleted as new ones arrive.
public struct SlackInteractionLedger: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Records `signature` (with Slack's request timestamp); false when it was recorded before (a replay).
    public func recordFirstSight(signature: String, slackTimestamp: Int64, forgetAfterSeconds: Int64 = 900) async throws -> Bool {
        try await database.transaction { connection in
            let logger = database.logger
            try await connection.query(
                "DELETE FROM slack_interactions_seen WHERE received_at < now() - (\(forgetAfterSeconds) * interval '1 second')",
                logger: logger)
            let rows = try await connection.query(
                """
                INSERT INTO slack_interactions_seen (signature, slack_timestamp) VALUES (\(signature), \(slackTimestamp))
                ON CONFLICT (signature) DO NOTHING RETURNING 1
                """,
                logger: logger)
            var inserted = false
            for try await _ in rows { inserted = true }
            return inserted
        }
    }
}
