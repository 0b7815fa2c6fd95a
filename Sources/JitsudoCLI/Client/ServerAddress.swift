import Foundation

/// A control-plane address in one of the forms of `cli.md` §1.2: `https://host[:port]`, `http://host[:port]`
/// or a bare `host[:port]` (http for loopback names, https otherwise; port 8080 when bare).
struct ServerAddress: Sendable, Equatable, CustomStringConvertible {
    var scheme: String
    var host: String
    var port: Int
    /// A path prefix the server is mounted under ("" normally).
    var basePath: String

    init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw CLIError.usage("the server address is empty; pass --server https://host[:port]") }
        if trimmed.contains("://") {
            guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(),
                scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
            else {
                throw CLIError.usage("server address '\(trimmed)' is not valid; write https://host[:port], http://host[:port] or host[:port]")
            }
            self.scheme = scheme
            self.host = host
            self.port = components.port ?? (scheme == "https" ? 443 : 80)
            let path = components.path
            self.basePath = path.hasSuffix("/") ? String(path.dropLast()) : path
        } else {
            var hostPart = trimmed
            var port = 8080
            if let slash = hostPart.firstIndex(of: "/") { hostPart = String(hostPart[..<slash]) }
            if hostPart.hasPrefix("["), let close = hostPart.firstIndex(of: "]") {
                let host = String(hostPart[hostPart.index(after: hostPart.startIndex)..<close])
                let rest = hostPart[hostPart.index(after: close)...]
                if rest.hasPrefix(":") {
                    guard let parsed = Int(rest.dropFirst()), (1...65535).contains(parsed) else {
                        throw CLIError.usage("server address '\(trimmed)' has an invalid port")
                    }
                    port = parsed
                }
                hostPart = host
            } else if let colon = hostPart.lastIndex(of: ":"), hostPart.firstIndex(of: ":") == colon {
                guard let parsed = Int(hostPart[hostPart.index(after: colon)...]), (1...65535).contains(parsed) else {
                    throw CLIError.usage("server address '\(trimmed)' has an invalid port")
                }
                port = parsed
                hostPart = String(hostPart[..<colon])
            }
            guard !hostPart.isEmpty else { throw CLIError.usage("server address '\(trimmed)' has no host") }
            self.scheme = Self.isLoopback(hostPart) ? "http" : "https"
            self.host = hostPart
            self.port = port
            self.basePath = ""
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        let lower = host.lowercased()
        if lower == "localhost" || lower == "::1" { return true }
        let parts = lower.split(separator: ".")
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// `scheme://host:port[/base]`, with the default port left out.
    var description: String {
        let hostText = host.contains(":") ? "[\(host)]" : host
        let defaultPort = scheme == "https" ? 443 : 80
        return "\(scheme)://\(hostText)\(port == defaultPort ? "" : ":\(port)")\(basePath)"
    }

    /// The URL of `path` (which starts with `/`).
    func url(_ path: String) -> String { description + path }
}
