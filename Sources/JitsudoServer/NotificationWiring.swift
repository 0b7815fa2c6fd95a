import Foundation
import JitsudoCore
import JitsudoNotify
import JitsudoStore
import Logging
import PostgresNIO
import ServiceLifecycle

/// Builds the configured notification channels, the outbox writes of the workflow, and the dispatcher service.
enum NotificationWiring {
    /// One notifier per configured channel.
    ///
    /// - Throws: ``Daemon/StartupError`` naming the bad setting.
    static func notifiers(_ settings: ServerConfiguration.Notifications) throws -> [any Notifier] {
        var notifiers: [any Notifier] = []
        var syslogTarget: (String, Int)?
        let syslog = settings.syslog
        if !syslog.address.isEmpty {
            guard let colon = syslog.address.lastIndex(of: ":"), let port = Int(syslog.address[syslog.address.index(after: colon)...])
            else { throw Daemon.StartupError("configuration: notifications.syslog.address must look like host:514") }
            syslogTarget = (String(syslog.address[..<colon]), port)
        }
        do {
            if !settings.slack.webhookURL.isEmpty {
                notifiers.append(
                    try SlackNotifier(
                        configuration: .init(webhookURL: settings.slack.webhookURL, interactive: !settings.slack.signingSecret.isEmpty)))
            }
            if !settings.webhook.url.isEmpty {
                notifiers.append(try WebhookNotifier(configuration: .init(url: settings.webhook.url, secret: settings.webhook.secret)))
            }
            let smtp = settings.smtp
            if !smtp.host.isEmpty {
                let security: SMTPNotifier.Security =
                    switch smtp.security {
                    case "tls": .tls
                    case "none": .none
                    default: .startTLS
                    }
                notifiers.append(
                    try SMTPNotifier(
                        configuration: .init(
                            host: smtp.host, port: smtp.port, security: security,
                            username: smtp.username.isEmpty ? nil : smtp.username,
                            password: smtp.password.isEmpty ? nil : smtp.password,
                            from: smtp.from, to: smtp.to
                        )))
            }
            if !settings.siem.file.isEmpty {
                let destination: JSONLinesNotifier.Destination =
                    settings.siem.file == "-" ? .standardOutput : .file(settings.siem.file)
                notifiers.append(try JSONLinesNotifier(configuration: .init(destination: destination)))
            }
            if let (host, port) = syslogTarget {
                notifiers.append(
                    try SyslogNotifier(
                        configuration: .init(
                            host: host, port: port,
                            transport: syslog.protocol == "tcp" ? .tcp : .udp
                        )))
            }
        } catch {
            throw Daemon.StartupError("configuration: \(error.context["setting"] ?? "notifications") \(error.message)")
        }
        return notifiers
    }

    /// The outbox writes for a notice: one row per configured channel, in the caller's transaction.
    /// With a `publicURL`, every notification about a request carries a `link` field: its console page.
    static func writes(channels: [String], publicURL: String = "")
        -> @Sendable (Notice) -> [@Sendable (PostgresConnection, Logger) async throws -> Void]
    {
        { notice in
            guard !channels.isEmpty else { return [] }
            var fields = notice.fields
            if let link = SlackWiring.requestLink(publicURL, notice.requestID) { fields["link"] = link }
            let notification = JitsudoNotify.Notification(
                event: notice.event, priority: notice.priority == .high ? .high : .normal, title: notice.title, text: notice.text,
                requestID: notice.requestID, fields: fields, occurredAt: Date()
            )
            return [
                { connection, logger in
                    let payload = try notification.jsonPayload()
                    let items = channels.map {
                        NotificationOutbox.Item(
                            channel: $0, event: notification.event, payload: payload,
                            priority: notification.priority == .high ? .high : .normal)
                    }
                    try await NotificationOutbox.enqueue(items, on: connection, logger: logger)
                }
            ]
        }
    }
}

/// Adapts the PostgreSQL outbox to the dispatcher's queue protocol.
struct OutboxQueueAdapter: OutboxQueue {
    let outbox: NotificationOutbox
    var lease: Duration = .seconds(300)

    func claimDue(limit: Int, now: Date) async throws -> [QueuedNotification] {
        try await outbox.claimDue(limit: limit, now: now, lease: lease).map {
            QueuedNotification(id: $0.id, channel: $0.channel, event: $0.event, payload: $0.payload, attempts: $0.attempts)
        }
    }

    func markSent(_ item: QueuedNotification, at time: Date) async throws -> Bool {
        try await outbox.markSent(id: item.id, attempts: item.attempts, at: time)
    }

    func markFailed(_ item: QueuedNotification, error: String, nextAttemptAt: Date?) async throws -> Bool {
        try await outbox.markFailed(id: item.id, attempts: item.attempts, error: error, nextAttemptAt: nextAttemptAt)
    }

    func pendingCount() async throws -> Int { try await outbox.pendingCount() }
}

/// Runs the dispatcher as a service that stops on graceful shutdown.
struct NotificationService: Service {
    let dispatcher: NotificationDispatcher

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await dispatcher.run()
        }
    }
}
