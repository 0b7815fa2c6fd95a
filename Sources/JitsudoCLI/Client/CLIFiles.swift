import Foundation
import Yams

/// The CLI's files under `~/.jitsudo` (`cli.md` §1.2). `HOME` decides where that is.
enum CLIFiles {
    static var home: String {
        if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty { return home }
        return NSHomeDirectory()
    }

    static var directory: String { home + "/.jitsudo" }
    static var credentialsPath: String { directory + "/credentials" }
    static var defaultConfigPath: String { directory + "/config.yaml" }
    static var defaultCAPath: String { directory + "/ca.crt" }

    /// `~/.jitsudo/config.yaml`: `server`, `tls.ca_file`, `tls.cert_file`, `tls.key_file`.
    struct Config: Codable, Sendable {
        var server: String?
        var tls: TLS?
        struct TLS: Codable, Sendable {
            var caFile: String?
            var certFile: String?
            var keyFile: String?
            enum CodingKeys: String, CodingKey {
                case caFile = "ca_file"
                case certFile = "cert_file"
                case keyFile = "key_file"
            }
        }
    }

    /// Reads the config file; a missing default file is an empty config, a missing explicit one an error.
    static func loadConfig(explicitPath: String?) throws -> Config {
        let path = explicitPath ?? defaultConfigPath
        guard FileManager.default.fileExists(atPath: path) else {
            if explicitPath != nil { throw CLIError.usage("config file \(path) does not exist; check --config") }
            return Config()
        }
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return Config() }
            return try YAMLDecoder().decode(Config.self, from: text)
        } catch {
            throw CLIError("cannot read config file \(path): \(error) — fix the YAML (keys: server, tls.ca_file, tls.cert_file, tls.key_file)")
        }
    }
}
