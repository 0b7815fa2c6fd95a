public import AsyncHTTPClient
import Foundation

/// Posts notifications to a Slack incoming webhook.
///
/// The message carries `text` (the fallback Slack shows in notifications) and Block Kit `blocks`. A break-glass
/// notification (event `break_glass.invoked`) renders as an alert: a `:rotating_light: BREAK-GLASS` header naming
/// the requester, then role, scope, duration, reason and request id; any other high-priority notification gets a
/// `:warning:` header.
public struct SlackNotifier: Notifier {
    /// Settings of the Slack channel.
    public struct Configuration: Sendable {
        /// The incoming-webhook URL (`https://hooks.slack.com/services/…`). It is a credential: it is never logged.
        public var webhookURL: String
        /// The outbox channel name. Default `slack`.
        public var channel: String
        /// Time allowed for the whole HTTP exchange. Default 10 s.
        public var timeout: Duration
        /// Whether a `request.created` message carries Approve / Deny buttons (Slack interactivity is set up:
        /// `notifications.slack.signing_secret`). Default false.
        public var interactive: Bool

        /// Creates the settings; see each property for its default.
        public init(
            webhookURL: String, channel: String = "slack", timeout: Duration = .seconds(10), interactive: Bool = false
        ) {
            self.webhookURL = webhookURL
            self.channel = channel
            self.timeout = timeout
            self.interactive = interactive
        }

        /// Throws a ``NotifyError`` naming the bad setting.
        public func validate() throws(NotifyError) {
            try validateHTTPURL(webhookURL, setting: "notifications.slack.webhook_url")
            try validateChannelName(channel, setting: "notifications.slack.channel")
            try validateTimeout(timeout, setting: "notifications.slack.timeout")
        }
    }

    /// The validated settings.
    public let configuration: Configuration
    private let client: HTTPClient

    public var channel: String { configuration.channel }

    /// Creates the notifier; throws when the configuration is invalid. `client` defaults to the shared client.
    public init(configuration: Configuration, client: HTTPClient = .shared) throws(NotifyError) {
        try configuration.validate()
        self.configuration = configuration
        self.client = client
    }

    public func send(_ notification: Notification) async throws {
        try await HTTPPost.send(
            client: client, url: configuration.webhookURL,
            body: Self.payload(for: notification, interactive: configuration.interactive), headers: [],
            timeout: configuration.timeout, channel: channel
        )
    }

    /// The JSON body posted for `notification`. With `interactive`, a `request.created` message carries Approve /
    /// Deny buttons whose value is the request id (`POST /slack/interactions` answers them). A `link` field (the
    /// request's console page) renders as a link.
    public static func payload(for notification: Notification, interactive: Bool = false) -> [UInt8] {
        let header: String
        if notification.isBreakGlass {
            let who = notification.fields["requester"] ?? "unknown requester"
            header = ":rotating_light: BREAK-GLASS by \(who)"
        } else if notification.priority == .high {
            header = ":warning: \(notification.title)"
        } else {
            header = notification.title
        }
        var fallback = notification.isBreakGlass ? "\(header): \(notification.text)" : "\(notification.title): \(notification.text)"
        if let requestID = notification.requestID { fallback += " (request \(requestID))" }

        var lines: [String] = []
        for (key, value) in notification.orderedFields where key != "link" {
            lines.append("*\(escape(label(key)))*: \(escape(value))")
        }
        if let requestID = notification.requestID {
            lines.append("*Request*: `\(escape(requestID))`")
            if let link = notification.fields["link"], isLinkable(link) { lines.append("<\(link)|Open in the jitsudo console>") }
        }

        var blocks: [SlackJSON] = [
            .object(["type": "header", "text": .object(["type": "plain_text", "text": .string(String(header.prefix(150))), "emoji": .bool(true)])]),
            .object(["type": "section", "text": .object(["type": "mrkdwn", "text": .string(escape(notification.text))])]),
        ]
        if !lines.isEmpty {
            blocks.append(.object(["type": "section", "text": .object(["type": "mrkdwn", "text": .string(lines.joined(separator: "\n"))])]))
        }
        if interactive, notification.event == Notification.Event.requestCreated, let requestID = notification.requestID {
            func button(_ label: String, _ actionID: String, style: String) -> SlackJSON {
                .object([
                    "type": "button", "action_id": .string(actionID), "value": .string(requestID), "style": .string(style),
                    "text": .object(["type": "plain_text", "text": .string(label)]),
                ])
            }
            blocks.append(
                .object([
                    "type": "actions", "block_id": .string("jitsudo_decision"),
                    "elements": .array([button("Approve", "jitsudo_approve", style: "primary"), button("Deny", "jitsudo_deny", style: "danger")]),
                ]))
        }
        blocks.append(
            .object([
                "type": "context",
                "elements": .array([
                    .object([
                        "type": "mrkdwn",
                        "text": .string(
                            [escape(notification.event), notification.priority.rawValue, Notification.timestamp(notification.occurredAt)]
                                .joined(separator: " · ")),
                    ])
                ]),
            ])
        )
        return Array(SlackJSON.object(["text": .string(escape(fallback)), "blocks": .array(blocks)]).text.utf8)
    }

    /// An http(s) URL that cannot break out of Slack's `<url|label>` link syntax.
    static func isLinkable(_ url: String) -> Bool {
        (url.hasPrefix("http://") || url.hasPrefix("https://")) && !url.contains(where: { "<>| \n".contains($0) })
    }

    /// Slack's three mrkdwn control characters.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// `resource_scope` → `Resource scope`.
    static func label(_ key: String) -> String {
        let spaced = key.replacingOccurrences(of: "_", with: " ")
        return spaced.prefix(1).uppercased() + spaced.dropFirst()
    }
}

/// A tiny JSON value that renders with sorted keys, for payloads built by hand.
enum SlackJSON: ExpressibleByStringLiteral {
    case string(String)
    case bool(Bool)
    case array([SlackJSON])
    case object([String: SlackJSON])

    init(stringLiteral value: String) { self = .string(value) }

    var text: String {
        switch self {
        case .string(let value): return jsonQuote(value)
        case .bool(let value): return value ? "true" : "false"
        case .array(let values): return "[" + values.map(\.text).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.keys.sorted().map { jsonQuote($0) + ":" + members[$0]!.text }.joined(separator: ",") + "}"
        }
    }
}

/// A JSON string literal.
func jsonQuote(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case let s where s.value < 0x20: out += String(format: "\\u%04x", s.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// Checks an outbox channel name: 1–64 characters of `a-z0-9_.-`.
func validateChannelName(_ name: String, setting: String) throws(NotifyError) {
    let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789_.-")
    guard !name.isEmpty, name.count <= 64, name.allSatisfy({ allowed.contains($0) }) else {
        throw NotifyError.invalid(setting, "must be 1-64 characters of a-z, 0-9, '_', '.', '-', was \"\(name)\"")
    }
}
