import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes notifications for a SIEM as JSON lines: one compact object per line with stable, sorted keys, to a
/// file (appended, created with mode 0600) or to standard output.
///
/// Each line is written with one `write(2)` on a descriptor opened with `O_APPEND`, so lines from several
/// processes do not interleave and nothing sits in a user-space buffer; there is no `fsync`. The file is
/// opened for every line, so log rotation by rename needs no signal.
///
/// Keys: `event`, `fields` (object), `occurred_at`, `priority`, `request_id` (when known), `source` (`jitsudo`),
/// `text`, `title`.
public struct JSONLinesNotifier: Notifier {
    /// Where lines go.
    public enum Destination: Sendable, Equatable {
        /// Appended to this file.
        case file(String)
        /// The process's standard output.
        case standardOutput
    }

    /// Settings of the JSON-lines channel.
    public struct Configuration: Sendable {
        /// Where lines go. Default standard output.
        public var destination: Destination
        /// The outbox channel name. Default `siem`.
        public var channel: String

        /// Creates the settings; see each property for its default.
        public init(destination: Destination = .standardOutput, channel: String = "siem") {
            self.destination = destination
            self.channel = channel
        }

        /// Throws a ``NotifyError`` naming the bad setting.
        public func validate() throws(NotifyError) {
            if case .file(let path) = destination, path.isEmpty || !path.hasPrefix("/") {
                throw NotifyError.invalid("notifications.siem.file", "must be an absolute path, was \"\(path)\"")
            }
            try validateChannelName(channel, setting: "notifications.siem.channel")
        }
    }

    /// The validated settings.
    public let configuration: Configuration
    /// Serialises writes to standard output within this process.
    private static let standardOutputLock = Mutex(())

    public var channel: String { configuration.channel }

    /// Creates the notifier; throws when the configuration is invalid.
    public init(configuration: Configuration) throws(NotifyError) {
        try configuration.validate()
        self.configuration = configuration
    }

    public func send(_ notification: Notification) async throws {
        let line = Array((Self.line(for: notification) + "\n").utf8)
        switch configuration.destination {
        case .standardOutput:
            try Self.standardOutputLock.withLock { _ in try Self.writeAll(line, to: STDOUT_FILENO, what: "standard output") }
        case .file(let path):
            let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                throw NotifyError(.io, "siem: cannot open \(path): \(String(cString: strerror(errno)))", context: ["channel": channel])
            }
            defer { close(descriptor) }
            try Self.writeAll(line, to: descriptor, what: path)
        }
    }

    /// The JSON line for `notification`, without the newline.
    public static func line(for notification: Notification) -> String {
        var members: [String: SlackJSON] = [
            "event": .string(notification.event),
            "priority": .string(notification.priority.rawValue),
            "title": .string(notification.title),
            "text": .string(notification.text),
            "occurred_at": .string(Notification.timestamp(notification.occurredAt)),
            "source": "jitsudo",
            "fields": .object(notification.fields.mapValues { .string($0) }),
        ]
        if let requestID = notification.requestID { members["request_id"] = .string(requestID) }
        return SlackJSON.object(members).text
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, what: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw NotifyError(.io, "siem: cannot write to \(what): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }
}
