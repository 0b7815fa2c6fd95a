public import Logging
import NIOCore
import PostgresNIO

/// LISTENs on one PostgreSQL notification channel over a dedicated connection until cancelled: reconnects with
/// backoff when the connection is lost, and calls `onChange` once after every (re)connect — a change may have
/// happened while nothing listened — and once per notification.
///
/// The connection is closed on every path: cancellation closes it (which ends the notification stream, which does
/// not end by itself), and a PostgresConnection released unclosed traps in debug builds, which crashed replicas
/// when PostgreSQL restarted under them.
public struct ChangeListener: Sendable {
    public let url: DatabaseURL
    public let channel: String
    /// Names the connection in PostgresNIO's logs.
    public let connectionID: Int
    let logger: Logger

    public init(url: DatabaseURL, channel: String, connectionID: Int, logger: Logger) {
        self.url = url
        self.channel = channel
        self.connectionID = connectionID
        self.logger = logger
    }

    /// Listens until the task is cancelled.
    public func run(onChange: @escaping @Sendable () async -> Void) async {
        var backoff: Duration = .milliseconds(200)
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(configuration: url.connectionConfiguration(), id: connectionID, logger: logger)
                backoff = .milliseconds(200)
                await onChange()
                do {
                    try await withTaskCancellationHandler {
                        try await connection.listen(on: channel) { notifications in
                            for try await _ in notifications { await onChange() }
                        }
                    } onCancel: {
                        let closing: EventLoopFuture<Void> = connection.close()
                        _ = closing
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "change listener lost its connection; reconnecting",
                    metadata: [
                        "db.channel": "\(channel)", "error": "\(Database.describe(error))",
                    ])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }
}
