public import Foundation
import JitsudoCore
public import JitsudoStore
public import Logging

/// Periodically removes out-of-band drift of one provider (objects whose grant is no longer `ACTIVE`) and writes
/// one `grant.drift_removed` audit event per object removed. Runs on the leader only.
public struct DriftReconciler: Sendable {
    public let provider: any DriftCorrecting
    public let requests: RequestRepository
    public let audit: AuditLog
    public let interval: Duration
    let logger: Logger

    public init(provider: any DriftCorrecting, requests: RequestRepository, audit: AuditLog, interval: Duration, logger: Logger) {
        self.provider = provider
        self.requests = requests
        self.audit = audit
        self.interval = interval
        self.logger = logger
    }

    /// One pass: a grant being issued (`APPROVED`) or `ACTIVE` before its `expires_at` keeps its object; an
    /// `ACTIVE` grant past its expiry (the sweeper has not caught up yet), any other state, an unknown request or
    /// one of another provider does not. `now` is the current time.
    public func reconcileOnce(now: Date = Date()) async throws -> [DriftRemoval] {
        let nowMicros = Int64(now.timeIntervalSince1970 * 1_000_000)
        let providerName = provider.name
        let removed = try await provider.removeDrift { requestID in
            guard let id = try? RequestID(parsing: requestID) else { return "grant_not_active" }
            let request: ElevationRequest
            do {
                request = try await requests.get(id)
            } catch let error as StoreError where error.code == .notFound {
                return "grant_not_active"
            }
            guard request.provider == providerName else { return "grant_not_active" }
            switch request.state {
            case .approved: return nil
            case .active: return (request.expiresAt.map { $0.microseconds <= nowMicros } ?? false) ? "expired" : nil
            default: return "grant_not_active"
            }
        }
        var shared: [DriftRemoval] = []
        if let sharing = provider as? any SharedDriftCorrecting {
            let ledger = SharedObjectLedger(
                holders: try await requests.tokenHolders(provider: providerName, tokenPrefix: sharing.sharedTokenPrefix),
                issuing: try await requests.isIssuing(provider: providerName), now: AuditTimestamp(microsecondsSinceEpoch: nowMicros))
            shared = try await sharing.removeSharedDrift(ledger)
        }
        for removal in removed + shared {
            let details: AuditDetails = [
                "binding_kind": .string(removal.kind), "binding_name": .string(removal.name), "reason": .string(removal.reason),
                "request_id": .string(removal.requestID),
            ]
            try await audit.append(
                AuditDraft(
                    actor: "system", action: "grant.drift_removed", requestID: (try? RequestID(parsing: removal.requestID))?.rawValue,
                    provider: providerName, resourceScope: removal.scope, outcome: .success, details: details))
            logger.info(
                "provider object removed (drift)",
                metadata: [
                    "provider": "\(providerName)", "request.id": "\(removal.requestID)", "object": "\(removal.kind) \(removal.scope)/\(removal.name)",
                    "reason": "\(removal.reason)",
                ])
        }
        return removed + shared
    }

    /// Runs a pass at once (startup), then every ``interval`` until cancelled; a failed pass is logged and retried.
    public func run() async {
        while !Task.isCancelled {
            do {
                _ = try await reconcileOnce()
            } catch {
                logger.warning("drift reconciliation failed; retrying", metadata: ["provider": "\(provider.name)", "error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
