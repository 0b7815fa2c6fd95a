public import AsyncHTTPClient
import Crypto
public import Foundation

/// POSTs notifications as JSON to any HTTP endpoint, signed with HMAC-SHA256.
///
/// Headers:
/// - `X-Jitsudo-Event`: the event name.
/// - `X-Jitsudo-Timestamp`: Unix seconds when the request was signed.
/// - `X-Jitsudo-Signature`: `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` — the timestamp, a `.`, then
///   the exact body bytes. Receivers recompute it over the raw body, compare in constant time and reject
///   timestamps older than their tolerance (5 minutes is usual) to stop replays.
///
/// The body is ``Notification/jsonPayload()``: compact JSON, sorted keys.
public struct WebhookNotifier: Notifier {
    /// Settings of the webhook channel.
    public struct Configuration: Sendable {
        /// The receiver URL, `http` or `https`.
        public var url: String
        /// The shared HMAC secret, at least 32 bytes. Never logged or sent.
        public var secret: String
        /// The outbox channel name. Default `webhook`.
        public var channel: String
        /// Time allowed for the whole HTTP exchange. Default 10 s.
        public var timeout: Duration

        /// Creates the settings; see each property for its default.
        public init(url: String, secret: String, channel: String = "webhook", timeout: Duration = .seconds(10)) {
            self.url = url
            self.secret = secret
            self.channel = channel
            self.timeout = timeout
        }

        /// Throws a ``NotifyError`` naming the bad setting.
        public func validate() throws(NotifyError) {
            try validateHTTPURL(url, setting: "notifications.webhook.url")
            guard secret.utf8.count >= 32 else {
                throw NotifyError.invalid("notifications.webhook.secret", "must be at least 32 bytes (generate one with `openssl rand -hex 32`)")
            }
            try validateChannelName(channel, setting: "notifications.webhook.channel")
            try validateTimeout(timeout, setting: "notifications.webhook.timeout")
        }
    }

    /// The validated settings.
    public let configuration: Configuration
    private let client: HTTPClient
    private let now: @Sendable () -> Date

    public var channel: String { configuration.channel }

    /// Creates the notifier; throws when the configuration is invalid. `now` is the signing clock.
    public init(
        configuration: Configuration,
        client: HTTPClient = .shared,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws(NotifyError) {
        try configuration.validate()
        self.configuration = configuration
        self.client = client
        self.now = now
    }

    public func send(_ notification: Notification) async throws {
        let body = Array(try notification.jsonPayload().utf8)
        let timestamp = String(Int64(now().timeIntervalSince1970))
        try await HTTPPost.send(
            client: client, url: configuration.url, body: body,
            headers: [
                ("X-Jitsudo-Event", notification.event),
                ("X-Jitsudo-Timestamp", timestamp),
                ("X-Jitsudo-Signature", Self.signature(body: body, timestamp: timestamp, secret: configuration.secret)),
            ],
            timeout: configuration.timeout, channel: channel
        )
    }

    /// `sha256=<hex>` of HMAC-SHA256 over `timestamp + "." + body`.
    public static func signature(body: [UInt8], timestamp: String, secret: String) -> String {
        var message = Array(timestamp.utf8)
        message.append(UInt8(ascii: "."))
        message += body
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Checks a received signature header in constant time; what a receiver does.
    public static func verify(signature header: String, body: [UInt8], timestamp: String, secret: String) -> Bool {
        let expected = Array(signature(body: body, timestamp: timestamp, secret: secret).utf8)
        let given = Array(header.utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for index in expected.indices { difference |= expected[index] ^ given[index] }
        return difference == 0
    }
}
