import ArgumentParser
import Foundation
import JitsudoCore
import JitsudoServer
import Logging
import Metrics
import Prometheus

/// `jitsudod`: the jitsudo control plane daemon.
@main
struct Jitsudod: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jitsudod",
        abstract: "The jitsudo control plane: REST API, policy engine, request workflow and audit log.",
        discussion: """
            Without a subcommand, runs the server (same as 'jitsudod serve').
            Settings come from --config (or $JITSUDOD_CONFIG) and JITSUDOD_* environment variables;
            DATABASE_URL is honoured when JITSUDOD_DATABASE_URL is not set.
            """,
        version: "jitsudod \(JitsudoVersion.current)",
        subcommands: [Serve.self, Migrate.self, Init.self, Dev.self],
        defaultSubcommand: Serve.self
    )
}

/// Writes `Error: <message>` to stderr.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
}

/// `jitsudod serve`: migrations, then the API until SIGTERM/SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run migrations, then serve the API until SIGTERM or SIGINT.")

    @Option(help: "Configuration file (YAML). Default: $JITSUDOD_CONFIG, else none (environment only).")
    var config: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.load(yaml: try readConfigFile(config ?? environment["JITSUDOD_CONFIG"]), environment: environment)
        } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var logger = Logger(label: "jitsudod")
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        do {
            try await DaemonRunner.serve(
                configuration: configuration, authenticator: try Authentication.make(configuration.oidc, admin: configuration.admin, logger: logger),
                metricsText: {
                    var buffer: [UInt8] = []
                    registry.emit(into: &buffer)
                    return String(decoding: buffer, as: UTF8.self)
                },
                logger: logger
            )
        } catch let error as Daemon.StartupError {
            printError(error.description)
            throw ExitCode.failure
        }
    }
}

/// Reads the configuration file, or "" when none is configured.
func readConfigFile(_ path: String?) throws -> String {
    guard let path, !path.isEmpty else { return "" }
    do {
        return try String(contentsOfFile: path, encoding: .utf8)
    } catch {
        throw ConfigurationError(key: "config", "cannot read \(path): \(error.localizedDescription)")
    }
}
