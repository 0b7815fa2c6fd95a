import Foundation
import Logging

/// ``LeakCapture``'s log handler: every record it is given goes to the capture (level, label, message, metadata, as a
/// console line would show them), and those at warning or above also to stderr as the suites' daemons log otherwise.
struct CapturingLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .debug
    var metadata: Logger.Metadata = [:]
    private var console: StreamLogHandler

    init(label: String) {
        self.label = label
        console = StreamLogHandler.standardError(label: label)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        LeakCapture.append("\(event.level) \(label): \(event.message) \(fields) [\(event.source)]", kind: "logs")
        if event.level >= .warning { console.log(event: event) }
    }
}
