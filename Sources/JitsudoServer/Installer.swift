import Foundation
import JitsudoStore
public import Logging
import JitsudoTLS
import PostgresNIO

/// `jitsudod init`: checks the database, applies migrations and writes a starting configuration file.
public enum Installer {
    public struct Options: Sendable {
        public var databaseURL: String
        public var oidcIssuer: String
        public var oidcClientID: String
        public var httpAddress: String
        public var configOut: String
        public var skipMigrations: Bool
        public var adminGroup: String
        /// Where the private CA and the server certificate are written; empty = no TLS.
        public var tlsDirectory: String
        /// Names the server certificate is valid for.
        public var tlsNames: [String]

        public init(
            databaseURL: String, oidcIssuer: String, oidcClientID: String, httpAddress: String, configOut: String,
            skipMigrations: Bool, adminGroup: String, tlsDirectory: String = "", tlsNames: [String] = ["localhost"]
        ) {
            self.tlsDirectory = tlsDirectory
            self.tlsNames = tlsNames
            self.databaseURL = databaseURL
            self.oidcIssuer = oidcIssuer
            self.oidcClientID = oidcClientID
            self.httpAddress = httpAddress
            self.configOut = configOut
            self.skipMigrations = skipMigrations
            self.adminGroup = adminGroup
        }
    }

    /// Runs the bootstrap, printing progress lines through `say`.
    ///
    /// - Throws: ``Daemon/StartupError`` naming what failed.
    public static func run(_ options: Options, logger: Logger, say: (_ text: String, _ endLine: Bool) -> Void) async throws {
        let url: DatabaseURL
        do { url = try DatabaseURL(options.databaseURL) } catch { throw Daemon.StartupError("--db-url: \(error.message)") }
        say("Connecting to database... ", false)
        do {
            try await url.checkReachable(logger: logger)
        } catch let error as StoreError {
            say("FAILED", true)
            throw Daemon.StartupError("database connection refused: \(error.message)")
        }
        say("OK", true)
        if !options.skipMigrations {
            say("Running database migrations... ", false)
            _ = try await Database.withClient(url, applicationName: "jitsudod", logger: logger) { database in
                try await Migrator.migrate(database, logger: logger)
            }
            say("OK", true)
        }
        var tlsSettings = ""
        if !options.tlsDirectory.isEmpty {
            let directory = options.tlsDirectory
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700])
                let ca = try PrivateCA.generate(commonName: "jitsudo private CA")
                let ips = options.tlsNames.filter { $0.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } }
                let server = try ca.issue(dnsNames: options.tlsNames.filter { !ips.contains($0) }, ipAddresses: ips)
                try KeyFile.write(ca.privateKeyPEM, to: "\(directory)/ca.key")
                try KeyFile.write(server.privateKeyPEM, to: "\(directory)/server.key")
                try Data(ca.certificatePEM.utf8).write(to: URL(fileURLWithPath: "\(directory)/ca.crt"))
                try Data(server.certificatePEM.utf8).write(to: URL(fileURLWithPath: "\(directory)/server.crt"))
            } catch {
                throw Daemon.StartupError("TLS: could not create the private CA under \(directory): \(error)")
            }
            say("Private CA and server certificate written to: \(directory) (keys mode 0600; give ca.crt to CLI users as ~/.jitsudo/ca.crt)", true)
            tlsSettings = """
                tls:
                  cert_file: "\(directory)/server.crt"
                  key_file: "\(directory)/server.key"

                """
        }
        let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let yaml = """
            # jitsudod configuration written by `jitsudod init`. Environment variables JITSUDOD_* override these.
            http_addr: "\(options.httpAddress)"
            database_url: "\(options.databaseURL)"
            oidc:
              issuer: "\(options.oidcIssuer)"
              client_id: "\(options.oidcClientID)"
            admin:
              groups: ["\(options.adminGroup)"]
            # Seals grant credentials at rest (AES-256-GCM). Keep it secret; losing it makes stored credentials unreadable.
            credentials_key: "\(key)"
            providers:
              mock:
                enabled: false
            \(tlsSettings)
            """
        guard FileManager.default.createFile(atPath: options.configOut, contents: Data(yaml.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw Daemon.StartupError("could not write \(options.configOut); check the directory exists and is writable")
        }
        say("Configuration written to: \(options.configOut)", true)
        say(
            """

            Next steps:
              1. Apply your policies (no policy means every request is denied):
                   jitsudo policy apply -f eligibility.rego --type eligibility
                   jitsudo policy apply -f approval.rego --type approval
              2. Start the control plane:
                   jitsudod --config \(options.configOut)
              3. Log in from the CLI:
                   jitsudo login --provider \(options.oidcIssuer) --server \(options.tlsDirectory.isEmpty ? "http" : "https")://localhost\(options.httpAddress.hasPrefix(":") ? options.httpAddress : ":8080")
            """, true)
    }
}
