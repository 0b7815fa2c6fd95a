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
    static func notifiers(_ configuration: ServerConfiguration) throws -> [any Notifier] {
        var notifiers: [any Notifier] = []
        var syslogTarget: (String, Int)?
        if !configuration.syslogAddress.isEmpty {
            guard let colon = configuration.syslogAddress.lastIndex(of: ":"),
                let port = Int(configuration.syslogAddress[configuration.syslogAddress.index(after: colon)...])
            else { throw Daemon.StartupError("configuration: notifications.syslog.address must look like host:514") }
            syslogTarget = (String(configuration.syslogAddress[..<colon]), port)
        }
        do {
            if !configuration.slackWebhookURL.isEmpty {
                notifiers.append(
                    try SlackNotifier(
                        configuration: .init(
                            webhookURL: configuration.slackWebhookURL, interactive: !configuration.slackSigningSecret.isEmpty)))
            }
            if !configuration.webhookURL.isEmpty {
                notifiers.append(try WebhookNotifier(configuration: .init(url: configuration.webhookURL, secret: configuration.webhookSecret)))
            }
            if !configuration.smtpHost.isEmpty {
                let security: SMTPNotifier.Security =
                    switch configuration.smtpSecurity {
                    case "tls": .tls
                    case "none": .none
                    default: .startTLS
                    }
                notifiers.append(
                    try SMTPNotifier(
                        configuration: .init(
                            host: configuration.smtpHost, port: configuration.smtpPort, security: security,
                            username: configuration.smtpUsername.isEmpty ? nil : configuration.smtpUsername,
                            password: configuration.smtpPassword.isEmpty ? nil : configuration.smtpPassword,
                            from: configuration.smtpFrom, to: configuration.smtpTo
                        )))
            }
            if !configuration.siemFile.isEmpty {
                let destination: JSONLinesNotifier.Destination =
                    configuration.siemFile == "-" ? .standardOutput : .file(configuration.siemFile)
                notifiers.append(try JSONLinesNotifier(configuration: .init(destination: destination)))
            }
            if let (host, port) = syslogTarget {
                notifiers.append(
                    try SyslogNotifier(
                        configuration: .init(
                            host: host, port: port,
                            transport: configuration.syslogProtocol == "tcp" ? .tcp : .udp
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
