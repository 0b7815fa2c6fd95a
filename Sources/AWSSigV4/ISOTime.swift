public import Foundation

/// RFC 3339 / ISO 8601 times as AWS writes them (`2026-01-02T03:04:05Z`, with or without fractional seconds).
public enum ISOTime {
    /// The time `text` names, or nil when it is not an ISO 8601 time in either form (the two `try?` are the two
    /// forms tried, not a default: callers that need a time turn nil into an error, see ``expiration(_:)``).
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let date = try? Date(trimmed, strategy: .iso8601) { return date }
        return try? Date(trimmed, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// A credential's `Expiration`: nil when the answer has none, an error when it has one that does not parse — an
    /// unreadable end must never become "does not expire" (never refreshed).
    public static func expiration(_ text: String?) throws(AWSError) -> Date? {
        guard let text else { return nil }
        guard let date = parse(text) else {
            throw AWSError(code: "DecodingError", message: "the credentials' Expiration '\(text.prefix(40))' is not an ISO 8601 time", status: 200)
        }
        return date
    }

    /// `2026-01-02T03:04:05Z`.
    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle().year().month().day().time(includingFractionalSeconds: false).timeZone(separator: .omitted))
    }
}
