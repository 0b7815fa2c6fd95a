import JitsudoCore
import JitsudoProviders
import JitsudoStore
import Logging
import Metrics
import ServiceLifecycle

/// Ends requests whose time ran out and works the provider-revocation queue.
///
/// Every step re-checks the row under its own lock (`FOR UPDATE`, `SKIP LOCKED` for the queue), so running
/// it on several replicas never ends a request twice or sends one revocation twice concurrently.
/// (Leader election with fencing and exact-time wake-ups replace the fixed interval in the HA work.)
struct GrantSweeper: Service {
    let service: RequestService
    let revocations: RevocationQueue
    let interval: Duration
    let pendingTTLSeconds: Int64
    let logger: Logger

    func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            await sweepOnce()
            try? await Task.sleep(for: interval)
        }
    }

    /// One pass: expire what is due, then drain the revocation queue of what is due now.
    func sweepOnce() async {
        do {
            for id in try await service.requests.due(pendingTTLSeconds: pendingTTLSeconds) {
                do {
                    let ended = try await service.expire(id)
                    logger.info("request expired", metadata: ["request.id": "\(id)", "request.state": "\(ended.state.rawValue)"])
                } catch {
                    logger.debug("expiry skipped", metadata: ["request.id": "\(id)", "error": "\(error)"])
                }
            }
            Gauge(label: "jitsudo_grants_active").record(try await service.requests.activeCount())
            Gauge(label: "jitsudo_revocations_pending").record(try await revocations.pendingCount())
            let providers = service.providers
            while try await revocations.processNext(revoke: { requestID, provider, token in
                guard let adapter = providers[provider] else { return .failed("provider \(provider) is not enabled on this replica") }
                do {
                    try await adapter.revoke(requestID: requestID, revokeToken: token)
                    return .revoked
                } catch {
                    return .failed((error as? ProviderError)?.message ?? "\(error)")
                }
            }) {}
        } catch {
            logger.warning("sweep failed; retrying", metadata: ["error": "\(error)"])
        }
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool { isCancelled || isShuttingDownGracefully }
}
