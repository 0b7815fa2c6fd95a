import Foundation
import JitsudoCore
import JitsudoStore
import Logging
import Metrics

/// The leader's periodic `jitsudo audit verify`: the whole hash chain, checked every `interval`, its result exported
/// for the alert `JitsudoAuditChainBroken` (ops/alerts/jitsudo-rules.yaml).
///
/// Gauges: `jitsudo_audit_chain_intact` (1 intact, 0 broken), `jitsudo_audit_events_verified`,
/// `jitsudo_audit_verify_last_run_timestamp_seconds` (each finished verification, intact or not); the counter
/// `jitsudo_audit_verify_errors_total` counts verifications that could not run (the database unreachable): those
/// leave the last result as it was, and the alert on a stale last run catches a verification that never finishes.
struct AuditChainMonitor: Sendable {
    let audit: AuditLog
    let interval: Duration
    let logger: Logger

    /// Verifies at once, then every `interval`, until cancelled (leadership lost or shutdown).
    func run() async {
        while !Task.isCancelled {
            await verifyOnce()
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
        }
    }

    func verifyOnce() async {
        do {
            let result = try await audit.verify()
            Self.export(result, at: Date())
            if result.intact {
                logger.debug("audit chain verified", metadata: ["audit.events_verified": "\(result.eventsVerified)"])
            } else {
                logger.error(
                    "audit chain verification FAILED",
                    metadata: ["audit.broken_at": "\(result.brokenAtEventID.map(String.init) ?? "head")", "audit.problem": "\(result.problem)"])
            }
        } catch {
            Counter(label: "jitsudo_audit_verify_errors_total").increment()
            logger.warning("audit chain verification could not run", metadata: ["error": "\(Database.describe(error))"])
        }
    }

    /// The gauges of one finished verification.
    static func export(_ result: VerificationResult, at now: Date) {
        Gauge(label: "jitsudo_audit_chain_intact").record(result.intact ? 1 : 0)
        Gauge(label: "jitsudo_audit_events_verified").record(result.eventsVerified)
        Gauge(label: "jitsudo_audit_verify_last_run_timestamp_seconds").record(now.timeIntervalSince1970)
    }
}
