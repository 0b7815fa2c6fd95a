import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing to stdout and stderr, and the colour rule of `cli.md`: colour only when the stream is a terminal,
/// `--no-color` is not given and `NO_COLOR` is unset.
enum Console {
    static func out(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Writes without a newline to stderr (spinner and progress).
    static func errorRaw(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }
    static var stdoutIsTerminal: Bool { isatty(1) == 1 }

    static func useColor(noColorFlag: Bool) -> Bool {
        if noColorFlag { return false }
        if let value = ProcessInfo.processInfo.environment["NO_COLOR"], !value.isEmpty { return false }
        return stdoutIsTerminal
    }

    /// The request state, coloured when `color` is on.
    static func state(_ state: String, color: Bool) -> String {
        guard color else { return state }
        let code: String
        switch state {
        case "ACTIVE": code = "32"
        case "PENDING", "APPROVED": code = "33"
        case "REJECTED", "REVOKED": code = "31"
        default: code = "90"
        }
        return "\u{1B}[\(code)m\(state)\u{1B}[0m"
    }
}
