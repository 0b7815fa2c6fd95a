import ArgumentParser
import NIOHTTP1
import Foundation
import JitsudoAPI

/// `jitsudo server …`: health, version and policy reload of the control plane.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Check the control plane's health and version, or reload its policies.",
        discussion: """
            Examples:
              jitsudo server status --server-url https://jitsudo.internal
              jitsudo server version
              jitsudo server reload-policies
            """,
        subcommands: [ServerStatus.self, Version.self, ReloadPolicies.self]
    )

    /// `--server-url`, else the resolved server address, else `http://localhost:8080`.
    static func address(_ serverURL: String?, global: GlobalOptions) throws -> ServerAddress {
        if let serverURL { return try ServerAddress(serverURL) }
        return try ServerAddress(try Session(global).serverText() ?? "http://localhost:8080")
    }

    struct Version: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the server's version.", discussion: "No login needed.\n\nExample:\n  jitsudo server version"
        )

        @OptionGroup var global: GlobalOptions

        @Option(name: .customLong("server-url"), help: "Server to ask (default: the configured server, else http://localhost:8080).")
        var serverURL: String?

        func validate() throws { try global.requireNoCSV() }

        func run() async throws {
            let address = try ServerCommand.address(serverURL, global: global)
            let info = try await Session(global).withClient(authenticated: false, server: address) { client in
                try await client.call(.GET, "/version", as: VersionInfo.self)
            }
            switch global.output {
            case .json, .yaml, .csv: try Renderer.emit(info, format: global.output)
            case .table:
                if global.quiet {
                    Console.out(info.version)
                    return
                }
                Console.out("Server version: \(info.version)")
                Console.out("API version:    \(info.apiVersions.first ?? "v1alpha1")")
            }
        }
    }

    struct ReloadPolicies: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reload-policies",
            abstract: "Reload the enabled policies from the database now (admin).",
            discussion: "Example:\n  jitsudo server reload-policies"
        )

        @OptionGroup var global: GlobalOptions

        func validate() throws { try global.requireNoCSV() }

        func run() async throws {
            let result = try await global.withClient { client in
                try await client.call(.POST, "/api/v1alpha1/admin/reload-policies", as: ReloadResult.self)
            }
            switch global.output {
            case .json, .yaml, .csv: try Renderer.emit(["policies_loaded": result.policiesLoaded], format: global.output)
            case .table:
                Console.out(global.quiet ? String(result.policiesLoaded) : "Policy engine reloaded. Active policies: \(result.policiesLoaded)")
            }
        }
    }
}
