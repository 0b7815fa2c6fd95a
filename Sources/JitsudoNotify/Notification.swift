public import Foundation
import BoundedJSON

/// One thing worth telling people about: a request was created, break-glass was used, a revocation failed.
///
/// A notification is rendered by every configured ``Notifier`` and stored as JSON in the outbox
/// (``jsonPayload()`` / ``init(jsonPayload:)``), so its shape is stable: snake_case keys, an ISO 8601
/// `occurred_at` with fractional seconds.
///
/// Notifications never carry credentials: ``init(event:priority:title:text:requestID:fields:occurredAt:)``
/// drops any field whose key names a secret (see ``isSecretKey(_:)``). Callers must still not put secrets
/// into `title` or `text`.
///
/// A client that also imports Foundation has two types named `Notification`; write `JitsudoNotify.Notification`
/// or use the alias ``JitsudoNotification``.
public struct Notification: Sendable, Hashable, Codable {
    /// How loud a notification is. `high` is used for break-glass and failed revocations: Slack renders an alert,
    /// SMTP sets `X-Priority: 1`, syslog uses severity `alert`.
    public enum Priority: String, Sendable, Hashable, Codable, CaseIterable {
        case normal
        case high
    }

    /// The event name, e.g. `request.created`, `break_glass.invoked`, `grant.revocation_failed`.
    public var event: String
    /// How loud it is.
    public var priority: Priority
    /// A one-line summary (the Slack header, the e-mail subject).
    public var title: String
    /// A human sentence or two.
    public var text: String
    /// The request this is about, when there is one.
    public var requestID: String?
    /// Structured facts (`requester`, `role`, `scope`, `duration`, `reason`, …). Keys naming secrets are dropped.
    public private(set) var fields: [String: String]
    /// When the event happened.
    public var occurredAt: Date

    /// Creates a notification. Fields whose key names a secret (``isSecretKey(_:)``) are dropped.
    public init(
        event: String,
        priority: Priority = .normal,
        title: String,
        text: String,
        requestID: String? = nil,
        fields: [String: String] = [:],
        occurredAt: Date
    ) {
        self.event = event
        self.priority = priority
        self.title = title
        self.text = text
        self.requestID = requestID
        self.fields = fields.filter { !Self.isSecretKey($0.key) }
        self.occurredAt = occurredAt
    }

    /// Well-known event names.
    public enum Event {
        /// A request was stored as `PENDING`.
        public static let requestCreated = "request.created"
        /// A request was approved.
        public static let requestApproved = "request.approved"
        /// A request was denied or withdrawn.
        public static let requestDenied = "request.denied"
        /// A grant became `ACTIVE`.
        public static let grantIssued = "grant.issued"
        /// A grant was revoked.
        public static let grantRevoked = "grant.revoked"
        /// A grant expired.
        public static let grantExpired = "grant.expired"
        /// Break-glass was used: send at high priority.
        public static let breakGlassInvoked = "break_glass.invoked"
        /// A provider revocation failed: send at high priority.
        public static let revocationFailed = "grant.revocation_failed"
    }

    /// Whether this is a break-glass alert (event `break_glass.invoked`).
    public var isBreakGlass: Bool { event == Event.breakGlassInvoked }

    /// Sets a field unless its key names a secret.
    public mutating func setField(_ key: String, _ value: String) {
        guard !Self.isSecretKey(key) else { return }
        fields[key] = value
    }

    /// The fields in display order: the well-known keys first, then the rest by key.
    public var orderedFields: [(key: String, value: String)] {
        let known = ["requester", "role", "provider", "scope", "duration", "reason", "approver", "expires_at", "error"]
        var out: [(key: String, value: String)] = known.compactMap { key in fields[key].map { (key: key, value: $0) } }
        out += fields.filter { !known.contains($0.key) }.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
        return out
    }

    /// True for keys that name credentials: containing `token`, `secret`, `password`, `credential`, `api_key`,
    /// `apikey`, `private_key` or `authorization` (case-insensitive).
    public static func isSecretKey(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return ["token", "secret", "password", "credential", "api_key", "apikey", "private_key", "authorization"]
            .contains { lowered.contains($0) }
    }

    // MARK: JSON

    enum CodingKeys: String, CodingKey {
        case event, priority, title, text
        case requestID = "request_id"
        case fields
        case occurredAt = "occurred_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let stamp = try container.decode(String.self, forKey: .occurredAt)
        guard let date = Self.parseTimestamp(stamp) else {
            throw DecodingError.dataCorruptedError(forKey: .occurredAt, in: container, debugDescription: "not an ISO 8601 timestamp: \(stamp)")
        }
        self.init(
            event: try container.decode(String.self, forKey: .event),
            priority: try container.decode(Priority.self, forKey: .priority),
            title: try container.decode(String.self, forKey: .title),
            text: try container.decode(String.self, forKey: .text),
            requestID: try container.decodeIfPresent(String.self, forKey: .requestID),
            fields: try container.decodeIfPresent([String: String].self, forKey: .fields) ?? [:],
            occurredAt: date
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(event, forKey: .event)
        try container.encode(priority, forKey: .priority)
        try container.encode(title, forKey: .title)
        try container.encode(text, forKey: .text)
        try container.encodeIfPresent(requestID, forKey: .requestID)
        try container.encode(fields, forKey: .fields)
        try container.encode(Self.timestamp(occurredAt), forKey: .occurredAt)
    }

    /// The outbox payload: compact JSON with sorted keys.
    public func jsonPayload() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Decodes an outbox payload written by ``jsonPayload()``.
    public init(jsonPayload: String) throws {
        self = try JSONDecoder().decodeBounded(Notification.self, from: Data(jsonPayload.utf8))
    }

    /// RFC 3339 UTC with milliseconds, e.g. `2026-11-29T05:41:19.123Z`.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!))
    }

    static func parseTimestamp(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}

/// ``Notification`` under a name that does not collide with `Foundation.Notification`.
public typealias JitsudoNotification = Notification
