public import Foundation
public import GoogleCloudClient

/// The IAM condition that bounds a grant: titled `<prefix> <request id>` (how revoke and drift cleanup find the
/// binding again), expressing `request.time < timestamp('<end>')` so Google itself ends the access at the grant's
/// end even when no jitsudod is running.
public struct GrantCondition: Sendable, Hashable {
    public let prefix: String
    public let requestID: String
    public let notAfter: Date
    public let requester: String

    public init(prefix: String, requestID: String, notAfter: Date, requester: String) {
        self.prefix = prefix
        self.requestID = requestID
        self.notAfter = notAfter
        self.requester = requester
    }

    /// `<prefix> <request id>`.
    public var title: String { Self.title(prefix: prefix, requestID: requestID) }

    public static func title(prefix: String, requestID: String) -> String { "\(prefix) \(requestID)" }

    /// `request.time < timestamp('2026-03-20T18:00:00Z')`, the end rounded up to the second.
    public var expression: String { Self.expression(notAfter: notAfter) }

    public static func expression(notAfter: Date) -> String {
        "request.time < timestamp('\(Self.timestamp(notAfter))')"
    }

    /// The condition's description: who asked, and that jitsudo manages it.
    public var description: String {
        String("Granted by jitsudo to \(requester) for request \(requestID); ends \(Self.timestamp(notAfter))".prefix(256))
    }

    /// The condition as the policy's JSON (`title`, `description`, `expression`).
    public var json: JSONValue {
        .object([.init("title", .string(title)), .init("description", .string(description)), .init("expression", .string(expression))])
    }

    /// RFC 3339 in UTC, whole seconds, rounded up (`2026-03-20T18:00:00Z`).
    public static func timestamp(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.up)
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    /// The end an expression written by ``expression(notAfter:)`` states, or nil for any other expression.
    public static func end(ofExpression expression: String) -> Date? {
        let head = "request.time < timestamp('", tail = "')"
        guard expression.hasPrefix(head), expression.hasSuffix(tail), expression.count > head.count + tail.count else { return nil }
        let stamp = expression.dropFirst(head.count).dropLast(tail.count)
        return ISO8601DateFormatter().date(from: String(stamp))
    }

    /// The request id a binding's condition title names when it carries `prefix`; nil for a title that is not ours.
    public static func requestID(fromTitle title: String, prefix: String) -> String? {
        let head = prefix + " "
        guard title.hasPrefix(head) else { return nil }
        let id = String(title.dropFirst(head.count))
        guard !id.isEmpty, !id.contains(" ") else { return nil }
        return id
    }
}
