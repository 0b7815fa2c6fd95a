import ArgumentParser
import Foundation
import JitsudoServer
import Logging

/// `jitsudod init`: bootstraps a new installation.
struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bootstrap a new installation: check the database, apply migrations, write a configuration file.",
        discussion: "Each required value may come from its flag or its environment variable."
    )

    @Option(name: .customLong("db-url"), help: "Database URL (env JITSUDOD_DATABASE_URL).")
    var databaseURL: String?
    @Option(name: .customLong("oidc-issuer"), help: "OIDC issuer URL (env JITSUDOD_OIDC_ISSUER).")
    var oidcIssuer: String?
    @Option(name: .customLong("oidc-client-id"), help: "OIDC client id tokens are issued for (env JITSUDOD_OIDC_CLIENT_ID).")
    var oidcClientID: String?
    @Option(name: .customLong("http-addr"), help: "Listen address.")
    var httpAddress = ":8080"
    @Option(name: .customLong("grpc-addr"), help: "Accepted for compatibility and ignored (there is no gRPC listener).")
    var grpcAddress: String?
    @Option(name: .customLong("config-out"), help: "Where to write the configuration file (mode 0600).")
    var configOut = "jitsudo.yaml"
    @Option(name: .customLong("admin-group"), help: "Group whose members are jitsudo admins.")
    var adminGroup = "jitsudo-admins"
    @Option(name: .customLong("tls-dir"), help: "Create a private CA and a server certificate here (keys 0600); empty for none.")
    var tlsDirectory = "tls"
    @Option(name: .customLong("tls-name"), parsing: .upToNextOption, help: "DNS names or IPs for the server certificate.")
    var tlsNames = ["localhost", "127.0.0.1"]
    @Flag(name: .customLong("skip-migrations"), help: "Do not apply database migrations.")
    var skipMigrations = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        func required(_ value: String?, _ flag: String, _ variable: String) throws -> String {
            guard let value = value ?? environment[variable], !value.isEmpty else {
                printError("\(flag) or \(variable) is required")
                throw ExitCode(64)
            }
            return value
        }
        let options = Installer.Options(
            databaseURL: try required(databaseURL, "--db-url", "JITSUDOD_DATABASE_URL"),
            oidcIssuer: try required(oidcIssuer, "--oidc-issuer", "JITSUDOD_OIDC_ISSUER"),
            oidcClientID: try required(oidcClientID, "--oidc-client-id", "JITSUDOD_OIDC_CLIENT_ID"),
            httpAddress: httpAddress, configOut: configOut, skipMigrations: skipMigrations, adminGroup: adminGroup,
            tlsDirectory: tlsDirectory, tlsNames: tlsNames
        )
        var logger = Logger(label: "jitsudod")
        logger.logLevel = .warning
        do {
            try await Installer.run(options, logger: logger) { text, endLine in
                FileHandle.standardOutput.write(Data((endLine ? text + "\n" : text).utf8))
            }
        } catch let error as Daemon.StartupError {
            printError(error.description)
            throw ExitCode.failure
        }
    }
}
