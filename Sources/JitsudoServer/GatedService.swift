import ServiceLifecycle

/// Runs `base` only once `gate` opened (at once without one); a shutdown before that ends it without running `base`.
struct GatedService: Service {
    let gate: StartupGate?
    let base: any Service
    /// Opened just before `base` runs (the connection pool's "run() was called").
    let started: StartupGate?

    init(after gate: StartupGate?, _ base: any Service, opening started: StartupGate? = nil) {
        self.gate = gate
        self.base = base
        self.started = started
    }

    func run() async throws {
        if let gate {
            await cancelWhenGracefulShutdown { await gate.wait() }
            guard gate.isOpen, !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
        }
        started?.open()
        try await base.run()
    }
}
