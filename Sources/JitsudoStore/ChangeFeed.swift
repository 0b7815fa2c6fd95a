public import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// One LISTEN connection per replica for every PostgreSQL notification channel it follows (`jitsudo_policies`,
/// `jitsudo_grants`, `jitsudo_audit_staged`), until cancelled.
///
/// PostgreSQL signals every backend that listens in the database on every `NOTIFY`, whatever channels it listens on:
/// each listening connection costs a signal and a wake-up per notification. A leader with one connection per channel
/// was signalled three times for every grant issued; with one connection, once.
///
/// Reconnects with backoff when the connection is lost. A follower hears each payload on its channel, and `nil`
/// ("something may have changed: look at everything again") when it starts following and whenever its channel is
/// listened to again after a (re)connect — told only once the `LISTEN` is in effect, so that nothing committed after
/// the look can go unheard. Followers are called on the connection's reading task and must not block: they note and
/// signal (``WakeSignal``), and their own loop does the work.
///
/// The connection is closed on every path: cancellation closes it (which ends the notification streams, which do not
/// end by themselves), and a PostgresConnection released unclosed traps in debug builds, which crashed replicas when
/// PostgreSQL restarted under them.
public final class ChangeFeed: Sendable {
    public typealias Follower = @Sendable (_ payload: String?) -> Void

    public let url: DatabaseURL
    public let channels: [String]
    /// Names the connection in PostgresNIO's logs.
    public let connectionID: Int
    let logger: Logger
    private let followers = Mutex<Followers>(Followers())

    private struct Followers {
        var nextID: UInt64 = 0
        var byChannel: [String: [UInt64: Follower]] = [:]
    }

    public init(url: DatabaseURL, channels: [String], connectionID: Int, logger: Logger) {
        self.url = url
        self.channels = channels
        self.connectionID = connectionID
        self.logger = logger
    }

    /// Calls `follower` with every payload on `channel` while `body` runs, and with `nil` first. `channel` must be one
    /// of ``channels``.
    public func following<T: Sendable>(_ channel: String, _ follower: @escaping Follower, _ body: () async throws -> T) async rethrows -> T {
        precondition(channels.contains(channel), "the change feed does not listen on \(channel)")
        let id = followers.withLock { followers in
            followers.nextID += 1
            followers.byChannel[channel, default: [:]][followers.nextID] = follower
            return followers.nextID
        }
        defer { _ = followers.withLock { $0.byChannel[channel]?.removeValue(forKey: id) } }
        follower(nil)
        return try await body()
    }

    private func deliver(_ payload: String?, on channel: String) {
        let following = followers.withLock { Array(($0.byChannel[channel] ?? [:]).values) }
        for follower in following { follower(payload) }
    }

    /// Listens on every channel until the task is cancelled.
    public func run() async {
        var backoff: Duration = .milliseconds(200)
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(configuration: url.connectionConfiguration(), id: connectionID, logger: logger)
                backoff = .milliseconds(200)
                do {
                    try await withTaskCancellationHandler {
                        try await listen(on: connection)
                    } onCancel: {
                        let closing: EventLoopFuture<Void> = connection.close()
                        _ = closing
                    }
                } catch {
                    await close(connection)
                    throw error
                }
                await close(connection)
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "change feed lost its connection; reconnecting",
                    metadata: ["db.channels": "\(channels.joined(separator: ","))", "error": "\(Database.describe(error))"])
                do {
                    try await Task.sleep(for: backoff)
                } catch {
                    return  // cancelled while waiting to reconnect
                }
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }

    /// Closes a connection that is done with; one that fails to close (already lost) has nothing left to release.
    private func close(_ connection: PostgresConnection) async {
        do {
            try await connection.close()
        } catch {
            logger.debug("change feed connection was already closed", metadata: ["error": "\(Database.describe(error))"])
        }
    }

    /// Listens on every channel over `connection` until one of them ends (the connection was lost) or cancellation.
    private func listen(on connection: PostgresConnection) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for channel in channels {
                group.addTask {
                    try await connection.listen(on: channel) { notifications in
                        self.deliver(nil, on: channel)
                        for try await notification in notifications { self.deliver(notification.payload, on: channel) }
                    }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }
}
