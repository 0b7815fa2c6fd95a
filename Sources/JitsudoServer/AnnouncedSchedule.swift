import JitsudoCore
import JitsudoStore

/// The schedule changes announced (`NOTIFY jitsudo_grants`) since the leader's sweeper last looked, coalesced: the
/// earliest due moment among them, and whether one of them asks for the whole schedule to be read again.
struct AnnouncedSchedule: Sendable, Equatable {
    private(set) var earliestDue: AuditTimestamp?
    private(set) var lookAgain = false

    /// Notes one notification; a pending request is due `pendingTTLSeconds` after it became pending.
    mutating func note(_ notification: ScheduleNotification, pendingTTLSeconds: Int64) {
        switch notification {
        case .expires(let moment):
            noteDue(moment)
        case .pendingSince(let moment):
            let ttl = pendingTTLSeconds.multipliedReportingOverflow(by: 1_000_000)
            let due = moment.microseconds.addingReportingOverflow(ttl.partialValue)
            // Out of range (no real TTL is): the database says when it is due.
            guard !ttl.overflow, !due.overflow else {
                lookAgain = true
                return
            }
            noteDue(AuditTimestamp(microsecondsSinceEpoch: due.partialValue))
        case .lookAgain:
            lookAgain = true
        }
    }

    private mutating func noteDue(_ moment: AuditTimestamp) {
        earliestDue = min(earliestDue ?? moment, moment)
    }
}
