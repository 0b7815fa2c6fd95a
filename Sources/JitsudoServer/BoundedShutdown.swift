public import Logging
import Synchronization
public import ServiceLifecycle

/// Runs a background service so that graceful shutdown ends it within about twice ``grace``, whatever it waits on
/// (a pool lease while PostgreSQL is down, a query on a dead connection): on graceful shutdown the service is told
/// and given `grace` to finish, then cancelled, and after another `grace` abandoned — the process is exiting, and
/// every leader write is fenced, so an abandoned task can change nothing that matters.
public struct BoundedShutdown: Service {
    let base: any Service
    let name: String
    let grace: Duration
    let logger: Logger

    public init(_ base: any Service, name: String, grace: Duration = .milliseconds(750), logger: Logger) {
        self.base = base
        self.name = name
        self.grace = grace
        self.logger = logger
    }

    public func run() async throws {
        let finished = ResumeOnce<(any Error)?>()
        let handles = Mutex<(work: Task<Void, Never>?, watcher: Task<Void, Never>?)>((nil, nil))
        let failure = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                finished.arm(continuation)
                // Both tasks inherit this task's graceful-shutdown state: the service sees the shutdown as it would.
                let work = Task {
                    do {
                        try await base.run()
                        finished.resume(nil)
                    } catch { finished.resume(error) }
                }
                let watcher = Task { [grace, name, logger] in
                    guard (try? await gracefulShutdown()) != nil else { return }
                    guard (try? await Task.sleep(for: grace)) != nil else { return }
                    logger.warning("service did not stop on graceful shutdown; cancelling it", metadata: ["service": "\(name)"])
                    work.cancel()
                    guard (try? await Task.sleep(for: grace)) != nil else { return }
                    logger.error("service did not stop after cancellation; abandoned", metadata: ["service": "\(name)"])
                    finished.resume(nil)
                }
                handles.withLock { $0 = (work, watcher) }
            }
        } onCancel: {
            handles.withLock { $0.work }?.cancel()
        }
        handles.withLock { $0.watcher }?.cancel()
        if let failure { throw failure }
    }
}
