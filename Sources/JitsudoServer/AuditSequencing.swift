import JitsudoCore
import JitsudoStore
import Logging
import Metrics

/// The leader's audit sequencing: links the events every replica stages into the one hash chain, in batches
/// (``AuditSequencer``), for as long as this replica leads.
///
/// While events wait it links batch after batch; when none is staged it looks again after a pause that doubles from
/// 1 ms to `idlePause`, and at once on `NOTIFY jitsudo_audit_staged` (an audit read that waits for its own events
/// sends it). The pause is real time on purpose: it only bounds how long an event waits for its position, it decides
/// nothing about a request. Every batch re-checks `epoch` in its own transaction, like every other leader write, so a
/// deposed leader links nothing. Exports `jitsudo_audit_unsequenced_oldest_seconds` (0 when nothing waits), the delay
/// the tamper-evidence window is measured by (docs/decisions.md), and counts `jitsudo_audit_sequenced_total`.
struct AuditSequencing: Sendable {
    let sequencer: AuditSequencer
    let databaseURL: DatabaseURL
    let idlePause: Duration
    let logger: Logger

    /// Runs as leader with `epoch` until cancelled (leadership lost or shutdown).
    func lead(epoch: Int64) async {
        let wake = WakeSignal()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await ChangeListener(url: databaseURL, channel: "jitsudo_audit_staged", connectionID: 10, logger: logger).run { wake.signal() }
            }
            group.addTask { await sequence(epoch: epoch, wake: wake) }
            await group.next()
            group.cancelAll()
        }
    }

    func sequence(epoch: Int64, wake: WakeSignal) async {
        let clock = ContinuousClock()
        var pause = Self.shortestPause
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

    /// Links batches while events wait; returns how many it linked.
    func sequenceWaiting(epoch: Int64) async throws -> Int {
        var linked = 0
        while !Task.isCancelled {
            let oldest = try await sequencer.oldestStagedAge()
            Gauge(label: "jitsudo_audit_unsequenced_oldest_seconds").record(oldest ?? 0)
            guard oldest != nil else { return linked }
            let batch = try await sequencer.sequenceBatch(fence: epoch)
            Counter(label: "jitsudo_audit_sequenced_total").increment(by: batch)
            linked += batch
            if batch == 0 { return linked }
        }
        return linked
    }

    static let shortestPause = Duration.milliseconds(1)

    /// The pause before the next look: the shortest after a look that linked something, else twice the last one, at
    /// most `idle`.
    static func pause(after last: Duration, linked: Int, idle: Duration) -> Duration {
        linked > 0 ? shortestPause : min(last * 2, idle)
    }
}
