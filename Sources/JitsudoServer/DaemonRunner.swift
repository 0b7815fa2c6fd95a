import Foundation
import Hummingbird
import JitsudoCore
import JitsudoStore
public import Logging
import PostgresNIO
import ServiceLifecycle
import UnixSignals

/// Runs `jitsudod` until SIGTERM/SIGINT: report draining for `shutdown_delay_seconds` while still serving, then stop
/// accepting, finish in-flight requests, stop the services, close the database.
public enum DaemonRunner {
    /// Builds the daemon from `configuration` and serves.
    ///
    /// - Throws: ``Daemon/StartupError`` with the runbook's wording when the database or TLS files are unusable.
    public static func serve(
        configuration: ServerConfiguration,
        authenticator: any CallerAuthenticator,
        metricsText: @escaping @Sendable () -> String,
        extraRoutes: JitsudoApplication.RouteExtension? = nil,
        onReady: @escaping @Sendable (Int) async -> Void = { _ in },
        logger: Logger
    ) async throws {
        let daemon = try await Daemon(configuration: configuration, logger: logger)
        let app = daemon.application(
            authenticator: authenticator, metricsText: metricsText, extraRoutes: extraRoutes,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.http.port
                logger.info("jitsudod serving", metadata: ["http.port": "\(port)", "replica.id": "\(configuration.leader.replicaID)"])
                await onReady(port)
            }
        )
        try await daemon.serviceGroup(running: app, signals: [.sigterm, .sigint]).run()
    }
}
