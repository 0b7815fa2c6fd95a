import Foundation
public import JitsudoServer
import JitsudoStore
public import LocalPostgres
public import Logging
import JitsudoTLS
import PostgresNIO

/// `jitsudod dev`: the one-command local stack behind `make dev`. A PostgreSQL cluster in a project folder
/// (started if not running, stopped again on exit), migrations, the development policies, the mock
/// provider, a built-in development OIDC issuer at `/dev-oidc`, and the API on 127.0.0.1.
public enum DevelopmentStack {
    public struct Options: Sendable {
        /// Where the cluster lives (`.dev` → `.dev/postgres`).
        public var dataDirectory: String
        /// Use this database instead of starting a cluster (tests).
        public var databaseURL: String?
        /// API port; 0 picks a free one.
        public var port: Int
        public var postgresPort: Int

        public init(dataDirectory: String = ".dev", databaseURL: String? = nil, port: Int = 8080, postgresPort: Int = 55432) {
            self.dataDirectory = dataDirectory
            self.databaseURL = databaseURL
            self.port = port
            self.postgresPort = postgresPort
        }
    }

    /// Prepares the database URL: the given one, or a project-folder cluster with a `jitsudo` database.
    /// Returns the URL and, when this call started a cluster, the cluster to stop on exit.
    public static func database(_ options: Options, logger: Logger) async throws -> (url: String, started: PostgresCluster?) {
        if let url = options.databaseURL { return (url, nil) }
        let directory = URL(fileURLWithPath: options.dataDirectory).appendingPathComponent("postgres")
        let cluster = try PostgresCluster.start(in: directory, port: options.postgresPort, durable: true)
        let admin = try DatabaseURL(cluster.url())
        try await Database.withClient(admin, applicationName: "jitsudod-dev", logger: logger) { database in
            let rows = try await database.query("SELECT 1 FROM pg_database WHERE datname = 'jitsudo'")
            var exists = false
            for try await _ in rows { exists = true }
            if !exists { _ = try await database.query("CREATE DATABASE jitsudo") }
        }
        return (cluster.url(database: "jitsudo"), cluster)
    }

    /// Files of the development HTTPS setup: a private CA and a certificate for 127.0.0.1 and localhost.
    public struct TLSFiles: Sendable {
        public var caCertificate: String
        public var certificate: String
        public var key: String
    }

    /// Creates (once) a private CA and a server certificate under `<dataDirectory>/tls` (keys mode 0600).
    ///
    /// - Throws: ``Daemon/StartupError`` when the files cannot be written.
    public static func tlsFiles(dataDirectory: String) throws -> TLSFiles {
        let directory = URL(fileURLWithPath: dataDirectory).appendingPathComponent("tls").path
        let files = TLSFiles(caCertificate: "\(directory)/ca.crt", certificate: "\(directory)/server.crt", key: "\(directory)/server.key")
        if FileManager.default.fileExists(atPath: files.certificate), FileManager.default.fileExists(atPath: files.key) { return files }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let ca = try PrivateCA.generate(commonName: "jitsudo development CA")
            let server = try ca.issue(dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
            try KeyFile.write(ca.privateKeyPEM, to: "\(directory)/ca.key")
            try KeyFile.write(server.privateKeyPEM, to: files.key)
            try Data(ca.certificatePEM.utf8).write(to: URL(fileURLWithPath: files.caCertificate))
            try Data(server.certificatePEM.utf8).write(to: URL(fileURLWithPath: files.certificate))
        } catch {
            throw Daemon.StartupError("TLS: could not create the development certificates under \(directory): \(error)")
        }
        return files
    }

    /// The configuration of the development server on `port` for `databaseURL`, over HTTPS when `tls` is given.
    public static func configuration(databaseURL: String, port: Int, tls: TLSFiles? = nil) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.developmentMode = true
        // One developer on loopback: no rate limits.
        configuration.limits = .ratesOff
        configuration.policies.seeds = DevelopmentPolicies.all
        configuration.database.url = databaseURL
        configuration.http.host = "127.0.0.1"
        configuration.http.port = port
        configuration.oidc.issuer = "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)/dev-oidc"
        if let tls {
            configuration.tls.certFile = tls.certificate
            configuration.tls.keyFile = tls.key
            configuration.oidc.caFile = tls.caCertificate
        }
        configuration.oidc.clientID = "jitsudo-cli"
        configuration.providers.mock.enabled = true
        configuration.sweeper.pendingTTLSeconds = 24 * 3600
        return configuration
    }

    /// Where the printed commands find things: the `jitsudo` binary, and a home folder per person.
    public struct Walkthrough: Sendable {
        /// The `jitsudo` to run (an absolute path when it was built beside `jitsudod`).
        public var cli: String
        /// An absolute folder holding one home per person (`<data-dir>/people`).
        public var peopleDirectory: String

        public init(cli: String, peopleDirectory: String) {
            self.cli = cli
            self.peopleDirectory = peopleDirectory
        }

        /// The command lines of the walkthrough, in order, each working as printed in a POSIX shell (run in one
        /// shell: `REQ` carries the request id from line to line).
        public func commands(base: String, caFile: String?) -> [String] {
            let ca = caFile.map { " --ca-file \(Self.quoted($0))" } ?? ""
            let alice = "HOME=\(Self.quoted(peopleDirectory + "/alice"))"
            let bob = "HOME=\(Self.quoted(peopleDirectory + "/bob"))"
            let jitsudo = Self.quoted(cli)
            return [
                "\(alice) \(jitsudo) login --provider \(base)/dev-oidc --server \(base) --user alice@example.com\(ca)",
                "REQ=$(\(alice) \(jitsudo) request -q --provider mock --role admin --scope dev --duration 30m --reason \"trying jitsudo\"\(ca)) && echo \"$REQ\"",
                "\(bob) \(jitsudo) login --provider \(base)/dev-oidc --server \(base) --user bob@example.com\(ca)",
                "\(bob) \(jitsudo) approve \"$REQ\" --comment \"looks fine\"\(ca)",
                "\(alice) \(jitsudo) status \"$REQ\"\(ca)",
                "\(alice) \(jitsudo) exec \"$REQ\"\(ca) -- sh -c 'echo \"using grant $JITSUDO_REQUEST_ID with key $MOCK_ACCESS_KEY\"'",
                "\(alice) \(jitsudo) revoke \"$REQ\" --reason \"done trying\"\(ca)",
                "\(alice) \(jitsudo) audit --request \"$REQ\"\(ca)",
            ]
        }

        /// `text` as one shell word: bare when it is plain, else in single quotes.
        static func quoted(_ text: String) -> String {
            if !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/._-+:@=".contains($0)) }) { return text }
            return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }
    }

    /// The first line of the walkthrough block in the banner (tests find the commands after it).
    public static let walkthroughHeading = "Walk through it: alice asks, bob approves (nobody approves their own request). In one shell:"

    /// The lines `jitsudod dev` prints once it serves.
    public static func banner(port: Int, databaseURL: String, tls: TLSFiles? = nil, walkthrough: Walkthrough) -> String {
        let base = "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)"
        let commands = walkthrough.commands(base: base, caFile: tls?.caCertificate).map { "  " + $0 }.joined(separator: "\n")
        return """
            jitsudod dev listening on \(base)

            Development stack (never use in production):
              Web console:  \(tls == nil ? "http://localhost:\(port)" : base)/ui/   (sign in as anyone: the development issuer shows a user picker)
              API:          \(base)   (health: /healthz, readiness: /readyz, metrics: /metrics)
              OIDC issuer:  \(base)/dev-oidc   (development only; `jitsudo login --user EMAIL` logs in as anyone, no browser)
              Database:     \((try? DatabaseURL(databaseURL).description) ?? databaseURL)
              Provider:     mock (grants are recorded in mock_provider_ledger)
              Policies:     dev-allow-all-eligibility, dev-allow-all-approval
              CLI:          \(walkthrough.cli)

            \(walkthroughHeading)
            \(commands)

            Ctrl-C stops the server and the database it started.
            """
    }
}
