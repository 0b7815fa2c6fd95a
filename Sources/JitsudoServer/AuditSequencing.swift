import JitsudoCore
import JitsudoStore
import Logging
import Metrics

/// The leader's audit sequencing: links the events every replica stages into the one hash chain, in batches
/// (``AuditSequencer``), for as long as this replica leads.
///
/// While batches come full it links one after another; after a partial batch it pauses 20 ms so that a steady stream
/// gathers into batches instead of a transaction per event; when none is staged the pause doubles up to `idlePause`.
/// It looks at once on `NOTIFY jitsudo_audit_staged` (an audit read that waits for its own events sends it). The pause is real time on purpose: it only bounds how long an event waits for its position, it decides
/// nothing about a request. Every batch re-checks `epoch` in its own transaction, like every other leader write, so a
/// deposed leader links nothing. Exports `jitsudo_audit_unsequenced_oldest_seconds` (0 when nothing waits), the delay
/// the tamper-evidence window is measured by (docs/decisions.md), and counts `jitsudo_audit_sequenced_total`.
struct AuditSequencing: Sendable {
    let sequencer: AuditSequencer
    /// The replica's change feed, followed on `jitsudo_audit_staged`.
    let changes: ChangeFeed
    let idlePause: Duration
    let logger: Logger

    /// Runs as leader with `epoch` until cancelled (leadership lost or shutdown).
    func lead(epoch: Int64) async {
        await changes.waking(on: "jitsudo_audit_staged") { wake in
            await sequence(epoch: epoch, wake: wake)
        }
    }

    func sequence(epoch: Int64, wake: WakeSignal) async {
        let clock = ContinuousClock()
        var pause = Self.gatherPause
        while !Task.isCancelled {
            do {
                let linked = try await sequenceWaiting(epoch: epoch)
                pause = Self.pause(after: pause, linked: linked, idle: idlePause)
            } catch {
                // Cancelled (leadership lost, shutting down): the next leader sequences what is left; nothing is lost.
                guard !Task.isCancelled else { return }
                logger.warning("audit sequencing failed; retrying", metadata: ["error": "\(Database.describe(error))"])
                pause = idlePause
            }
            await wake.wait(until: clock.now + pause, on: clock)
        }
    }

    /// Links batches while they come full; returns how many it linked.
    func sequenceWaiting(epoch: Int64) async throws -> Int {
        var linked = 0
        while !Task.isCancelled {
            let oldest = try await sequencer.oldestStagedAge()
            Gauge(label: "jitsudo_audit_unsequenced_oldest_seconds").record(oldest ?? 0)
            guard oldest != nil else { return linked }
            let batch = try await sequencer.sequenceBatch(limit: AuditSequencer.defaultBatchSize, fence: epoch)
            Counter(label: "jitsudo_audit_sequenced_total").increment(by: batch)
            linked += batch
            if batch < AuditSequencer.defaultBatchSize { return linked }
        }
        return linked
    }

    /// The pause after a look that linked something: long enough for the next events of a steady stream to gather into
    /// one batch (a batch is one transaction and a few round trips, whatever its size), short against the window.
    static let gatherPause = Duration.milliseconds(20)

    /// The pause before the next look: the gathering pause after a look that linked something, else twice the last
    /// one, at most `idle`.
    static func pause(after last: Duration, linked: Int, idle: Duration) -> Duration {
        linked > 0 ? gatherPause : min(last * 2, idle)
    }
}
