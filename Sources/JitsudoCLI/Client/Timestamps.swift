import Foundation

/// RFC 3339 parsing and formatting for flags and output.
enum Timestamps {
    /// Parses RFC 3339 with or without fractional seconds.
    static func parse(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: text) { return date }
        // More than three fractional digits: drop the extras (ISO8601DateFormatter takes at most milliseconds).
        if let dot = text.firstIndex(of: "."), let end = text[dot...].firstIndex(where: { !$0.isNumber && $0 != "." }) {
            let digits = text[text.index(after: dot)..<end].prefix(3)
            return fractional.date(from: String(text[..<dot]) + "." + digits + String(text[end...]))
        }
        return nil
    }

    /// RFC 3339 UTC, whole seconds.
    static func utc(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// RFC 3339 in the local time zone (the `shell` banner).
    static func local(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone.current
        return formatter.string(from: date)
    }

    /// `--since`/`--until`: an RFC 3339 time, or a duration (`7d`, `24h`, `90m`) meaning that long ago.
    static func parseSince(_ text: String, flag: String, now: Date = Date()) throws -> Date {
        if let date = parse(text) { return date }
        if let duration = try? GrantDurationBridge.seconds(text) {
            return now.addingTimeInterval(-Double(duration))
        }
        throw CLIError.usage("\(flag) '\(text)' is neither an RFC 3339 time nor a duration; write it like 7d, 24h, 90m or 2026-03-20T16:00:00Z")
    }
}
