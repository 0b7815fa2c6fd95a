import Foundation

/// An RFC 5424 syslog message: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] BOM MSG`.
///
/// Pure, so the format is tested without a socket. PRI is facility × 8 + severity; severity comes from the
/// notification's priority (`normal` → notice (5), `high` → alert (1)). MSGID is the event name; the structured
/// data element `[jitsudo@32473 event="…" priority="…" request_id="…"]` carries the request id (32473 is the
/// documentation enterprise number of RFC 5612; configure your own with ``SyslogNotifier/Configuration/structuredDataID``).
public struct SyslogMessage: Sendable, Equatable {
    /// Syslog facilities (RFC 5424 §6.2.1).
    public enum Facility: Int, Sendable, CaseIterable {
        case kern = 0
        case user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp
        case local0 = 16
        case local1, local2, local3, local4, local5, local6, local7

        /// Parses `authpriv`, `local0`, …
        public init?(name: String) {
            let names: [String: Facility] = [
                "kern": .kern, "user": .user, "mail": .mail, "daemon": .daemon, "auth": .auth, "syslog": .syslog,
                "lpr": .lpr, "news": .news, "uucp": .uucp, "cron": .cron, "authpriv": .authpriv, "ftp": .ftp,
                "local0": .local0, "local1": .local1, "local2": .local2, "local3": .local3, "local4": .local4,
                "local5": .local5, "local6": .local6, "local7": .local7,
            ]
            guard let facility = names[name.lowercased()] else { return nil }
            self = facility
        }
    }

    /// Severity alert.
    public static let alertSeverity = 1
    /// Severity notice.
    public static let noticeSeverity = 5

    /// The complete message text (UTF-8, no trailing newline).
    public let text: String

    /// Formats `notification`. `hostname`, `appName` and `procID` follow RFC 5424 (printable ASCII, no spaces;
    /// `-` when empty).
    public init(
        _ notification: Notification,
        facility: Facility,
        hostname: String,
        appName: String = "jitsudo",
        procID: String,
        structuredDataID: String = "jitsudo@32473"
    ) {
        let severity = notification.priority == .high ? Self.alertSeverity : Self.noticeSeverity
        let pri = facility.rawValue * 8 + severity
        var parameters = [("event", notification.event), ("priority", notification.priority.rawValue)]
        if let requestID = notification.requestID { parameters.append(("request_id", requestID)) }
        let sd = "[" + Self.header(structuredDataID, max: 32) + parameters.map { " \($0.0)=\"\(Self.escapeParameter($0.1))\"" }.joined() + "]"
        var message = notification.isBreakGlass ? "BREAK-GLASS: " : ""
        message += notification.title + ": " + notification.text
        for (key, value) in notification.orderedFields { message += " \(key)=\(value)" }
        message = message.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        text =
            "<\(pri)>1 \(Self.timestamp(notification.occurredAt)) \(Self.header(hostname, max: 255)) \(Self.header(appName, max: 48)) "
            + "\(Self.header(procID, max: 128)) \(Self.header(notification.event, max: 32)) \(sd) \u{FEFF}\(message)"
    }

    /// `2026-11-29T05:41:19.123456Z` (RFC 3339, UTC, microseconds).
    static func timestamp(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let whole = floor(seconds)
        var micros = Int(((seconds - whole) * 1_000_000).rounded())
        var base = Date(timeIntervalSince1970: whole)
        if micros >= 1_000_000 {
            micros -= 1_000_000
            base = base.addingTimeInterval(1)
        }
        let stamp = base.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
        return String(stamp.dropLast()) + "." + String(format: "%06d", micros) + "Z"
    }

    /// A header field: printable US-ASCII without spaces, at most `max` characters, `-` when empty.
    static func header(_ value: String, max: Int) -> String {
        let cleaned = String(String.UnicodeScalarView(value.unicodeScalars.filter { $0.value > 32 && $0.value < 127 }).prefix(max))
        return cleaned.isEmpty ? "-" : cleaned
    }

    /// `"`, `\` and `]` are escaped with a backslash inside PARAM-VALUE (RFC 5424 §6.3.3).
    static func escapeParameter(_ value: String) -> String {
        var out = ""
        for character in value {
            if character == "\"" || character == "\\" || character == "]" { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
