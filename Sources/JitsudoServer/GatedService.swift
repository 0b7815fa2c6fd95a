import ServiceLifecycle

/// Runs `base` only once `gate` opened; a shutdown before that ends it without running `base`.
struct GatedService: Service {
    let gate: StartupGate
    let base: any Service

    init(after gate: StartupGate, _ base: any Service) {
        self.gate = gate
        self.base = base
    }

    func run() async throws {
        await cancelWhenGracefulShutdown { await gate.wait() }
        guard gate.isOpen, !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
        try await base.run()
    }
}
