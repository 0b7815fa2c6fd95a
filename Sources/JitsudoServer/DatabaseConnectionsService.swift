import JitsudoStore
import ServiceLifecycle

/// Runs a replica's ``DatabaseConnections`` as a service, opening `running` once every connection's client runs (work
/// that leases before would log PostgresNIO's "run() hasn't been called" warning); a graceful shutdown closes them.
struct DatabaseConnectionsService: Service {
    let connections: DatabaseConnections
    let running: StartupGate

    func run() async {
        await connections.run { running.open() }
    }
}
