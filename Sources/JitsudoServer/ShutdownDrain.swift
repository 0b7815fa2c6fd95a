import JitsudoCore
import Logging
public import ServiceLifecycle
import Synchronization

/// The first step of stopping a replica: on SIGTERM `/readyz` turns 503 (`checks.shutdown: draining`) while the
/// server goes on answering for `shutdown_delay_seconds`, so load balancers and kube-proxy drop the replica before
/// it stops accepting connections. Only then does the graceful shutdown of the HTTP server and the services begin.
///
/// It is the last service of the group ``Daemon/serviceGroup(running:signals:)`` builds, so the group, which stops
/// services in reverse, signals it first and signals the application only once it has returned.
public final class ShutdownDrain: Service, Sendable {
    let delay: Duration
    let clock: AnyClock
    let logger: Logger
    private let state = Atomic<Bool>(false)

    init(delay: Duration, clock: AnyClock, logger: Logger) {
        self.delay = delay
        self.clock = clock
        self.logger = logger
    }

    /// True from the shutdown signal on: `/readyz` reports the replica as stopping.
    public var isDraining: Bool { state.load(ordering: .acquiring) }

    public func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return  // cancelled: the group is failing, nothing to drain
        }
        state.store(true, ordering: .releasing)
        guard delay > .zero else { return }
        logger.info(
            "shutting down: /readyz reports draining; still serving until the shutdown delay has passed",
            metadata: ["shutdown.delay": "\(delay)"])
        do {
            try await clock.sleep(for: delay)
        } catch {
            return  // cancelled (a second signal or a failing group): stop at once
        }
    }
}
