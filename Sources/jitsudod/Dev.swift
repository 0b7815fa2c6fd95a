import ArgumentParser
import Foundation
import JitsudoAuth
import JitsudoDevelopment
import JitsudoServer
import JitsudoStore
import LocalPostgres
import Logging
import Metrics
import Prometheus

/// `jitsudod dev`: the local development stack behind `make dev`.
struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a local development stack: PostgreSQL in a project folder, a development OIDC issuer, the mock provider.",
        discussion: """
            Never for production: the built-in issuer logs anyone in. Ctrl-C stops the server and the database it started.
            Example:  jitsudod dev            (then follow the printed walkthrough, or open the web console)
            """
    )

    @Option(help: "API port on 127.0.0.1 (0 picks a free one).") var port = 8080
    @Option(name: .customLong("data-dir"), help: "Project folder for the PostgreSQL cluster.") var dataDirectory = ".dev"
    @Option(name: .customLong("pg-port"), help: "Port of the local PostgreSQL cluster.") var postgresPort = 55432
    @Option(name: .customLong("database-url"), help: "Use this database instead of starting a cluster.") var databaseURL: String?
    @Flag(help: "Serve HTTPS with a development CA created under <data-dir>/tls (give its ca.crt to the CLI with --ca-file).")
    var tls = false

    /// The `jitsudo` built beside this `jitsudod` (absolute, so the printed commands work from any folder), else
    /// `jitsudo` from the PATH.
    static func cliPath() -> String {
        let own = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.resolvingSymlinksInPath()
        let sibling = own.deletingLastPathComponent().appendingPathComponent("jitsudo").path
        return FileManager.default.isExecutableFile(atPath: sibling) ? sibling : "jitsudo"
    }

    func run() async throws {
        var logger = Logger(label: "jitsudod-dev")
        logger.logLevel = .notice
        let environment = ProcessInfo.processInfo.environment
        let options = DevelopmentStack.Options(dataDirectory: dataDirectory, databaseURL: databaseURL, port: port, postgresPort: postgresPort)
        let (url, cluster) = try await DevelopmentStack.database(options, logger: logger)
        defer { cluster?.shutdown() }
        let bound = port == 0 ? try PostgresCluster.freePort() : port
        let tlsFiles = tls ? try DevelopmentStack.tlsFiles(dataDirectory: dataDirectory) : nil
        var configuration = DevelopmentStack.configuration(databaseURL: url, port: bound, tls: tlsFiles)
        if let level = environment["JITSUDOD_LOG_LEVEL"], let parsed = Logger.Level(rawValue: level) { logger.logLevel = parsed }
        configuration.logLevel = logger.logLevel.rawValue
        let issuer = try DevelopmentIssuer(
            configuration: .init(
                baseURL: configuration.oidc.issuer, clientID: configuration.oidc.clientID, pollInterval: 1,
                defaultUser: .init(email: environment["JITSUDOD_DEV_LOGIN_EMAIL"] ?? "dev@example.com", groups: ["jitsudo-admins"]),
                approvesDefaultUserAutomatically: true
            ))
        let walkthrough = DevelopmentStack.Walkthrough(
            cli: Self.cliPath(), peopleDirectory: URL(fileURLWithPath: dataDirectory).appendingPathComponent("people").standardizedFileURL.path)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        do {
            try await DaemonRunner.serve(
                configuration: configuration, authenticator: try Authentication.make(configuration.oidc, admin: configuration.admin, logger: logger),
                metricsText: {
                    var buffer: [UInt8] = []
                    registry.emit(into: &buffer)
                    return String(decoding: buffer, as: UTF8.self)
                },
                extraRoutes: DevelopmentIssuerRoutes.routes(issuer),
                onReady: { port in
                    let banner = DevelopmentStack.banner(port: port, databaseURL: url, tls: tlsFiles, walkthrough: walkthrough)
                    FileHandle.standardOutput.write(Data((banner + "\n").utf8))
                },
                logger: logger
            )
        } catch let error as Daemon.StartupError {
            printError(error.description)
            throw ExitCode.failure
        }
    }
}
