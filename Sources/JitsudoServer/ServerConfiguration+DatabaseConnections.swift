public import JitsudoStore
public import Logging
import PostgresNIO

extension ServerConfiguration.Database {
    /// The connections a replica runs on `url`: `maxConnections`, each opened at start and kept (``DatabaseConnections``
    /// says why these are clients of one connection each, not one pool), with `SELECT 1` pings only when
    /// `keepAliveSeconds` asks for them; a replica with pings opens each connection on first use instead.
    public func connections(for url: DatabaseURL, applicationName: String = "jitsudod", logger: Logger) -> DatabaseConnections {
        var configuration = url.clientConfiguration(applicationName: applicationName)
        configuration.options.keepAliveBehavior = keepAliveSeconds > 0 ? .init(frequency: .seconds(keepAliveSeconds)) : nil
        return DatabaseConnections(configuration: configuration, count: maxConnections, keptOpen: true, backgroundLogger: logger)
    }
}
