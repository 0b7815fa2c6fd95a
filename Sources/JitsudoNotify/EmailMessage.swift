import Foundation

/// An RFC 5322 message as the SMTP channel sends it: headers, then a text body, CRLF line endings.
///
/// Pure: ``rendered()`` and ``dataSection(_:)`` are what goes on the wire after `DATA`, so tests check them
/// without a server.
struct EmailMessage: Sendable {
    var from: String
    var to: [String]
    var subject: String
    var body: String
    var date: Date
    var messageID: String
    var highPriority: Bool

    /// Headers and body, CRLF line endings, without the SMTP dot-stuffing.
    func rendered() -> String {
        var headers: [(String, String)] = [
            ("Date", Self.rfc5322Date(date)),
            ("From", from),
            ("To", to.joined(separator: ", ")),
            ("Subject", Self.encodedHeader(Self.singleLine(subject))),
            ("Message-ID", messageID),
            ("MIME-Version", "1.0"),
        ]
        if highPriority {
            headers.append(("X-Priority", "1"))
            headers.append(("Importance", "high"))
        }
        headers.append(("Auto-Submitted", "auto-generated"))
        let normalized = Self.crlf(body)
        let plain =
            normalized.unicodeScalars.allSatisfy { $0.isASCII }
            && normalized.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 998 }
        let encodedBody: String
        if plain {
            headers.append(("Content-Type", "text/plain; charset=us-ascii"))
            headers.append(("Content-Transfer-Encoding", "7bit"))
            encodedBody = normalized
        } else {
            headers.append(("Content-Type", "text/plain; charset=utf-8"))
            headers.append(("Content-Transfer-Encoding", "base64"))
            encodedBody = Data(normalized.utf8).base64EncodedString(options: [
                .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
            ])
        }
        return headers.map { "\($0.0): \($0.1)" }.joined(separator: "\r\n") + "\r\n\r\n" + encodedBody
    }

    /// The bytes after `DATA`: CRLF line endings, a `.` doubled at the start of every line that has one
    /// (RFC 5321 §4.5.2), then the terminating `CRLF.CRLF`.
    static func dataSection(_ message: String) -> [UInt8] {
        var out = ""
        for line in crlf(message).components(separatedBy: "\r\n") {
            if line.hasPrefix(".") { out += "." }
            out += line + "\r\n"
        }
        out += ".\r\n"
        return Array(out.utf8)
    }

    /// Every line ending (CRLF, lone LF, lone CR) as CRLF.
    static func crlf(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
    }

    /// Header values must not break lines (header injection).
    static func singleLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    /// ASCII as is; anything else as an RFC 2047 `=?UTF-8?B?…?=` encoded word.
    static func encodedHeader(_ text: String) -> String {
        if text.unicodeScalars.allSatisfy({ $0.isASCII }) { return text }
        return "=?UTF-8?B?" + Data(text.utf8).base64EncodedString() + "?="
    }

    /// `Sun, 29 Nov 2026 05:41:19 +0000`, independent of locale.
    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(days[(parts.weekday ?? 1) - 1]), \(two(parts.day)) \(months[(parts.month ?? 1) - 1]) \(parts.year ?? 1970) "
            + "\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }

    /// The message for a notification.
    static func make(for notification: Notification, from: String, to: [String], messageID: String) -> EmailMessage {
        var subject = "[jitsudo] "
        if notification.isBreakGlass { subject += "BREAK-GLASS: " }
        subject += notification.title
        var lines = [notification.text, ""]
        for (key, value) in notification.orderedFields { lines.append("\(SlackNotifier.label(key)): \(value)") }
        if let requestID = notification.requestID { lines.append("Request: \(requestID)") }
        lines.append("Event: \(notification.event)")
        lines.append("Priority: \(notification.priority.rawValue)")
        lines.append("Occurred at: \(Notification.timestamp(notification.occurredAt))")
        return EmailMessage(
            from: from, to: to, subject: subject, body: lines.joined(separator: "\n") + "\n",
            date: notification.occurredAt, messageID: messageID, highPriority: notification.priority == .high
        )
    }
}
