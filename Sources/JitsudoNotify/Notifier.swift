/// A channel that delivers notifications: Slack, a webhook, e-mail, a SIEM.
///
/// `send` either delivers the notification or throws (a ``NotifyError`` whose message names the channel and,
/// where there is one, the remote reply code); the ``NotificationDispatcher`` retries with backoff.
/// Implementations must never put credentials into what they send or into their errors.
public protocol Notifier: Sendable {
    /// The channel name rows in the outbox are routed by (`slack`, `webhook`, `smtp`, `siem`, `syslog`, …).
    var channel: String { get }

    /// Delivers one notification. Throws when it was not (or not certainly) delivered.
    func send(_ notification: Notification) async throws
}
