public import Foundation

/// RFC 3339 / ISO 8601 times as AWS writes them (`2026-01-02T03:04:05Z`, with or without fractional seconds).
public enum ISOTime {
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let date = try? Date(trimmed, strategy: .iso8601) { return date }
        return try? Date(trimmed, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// `2026-01-02T03:04:05Z`.
    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle().year().month().day().time(includingFractionalSeconds: false).timeZone(separator: .omitted))
    }
}
