public import JitsudoCore

/// What one `NOTIFY jitsudo_grants` tells the leader's sweeper (the payload of migration 12's trigger): the due moment a
/// change brought, so that the sweeper can move its deadline without asking the database.
public enum ScheduleNotification: Sendable, Equatable {
    /// A grant became active, or was extended: it expires at this moment.
    case expires(AuditTimestamp)
    /// A request became pending at this moment: it is due when the pending TTL ends.
    case pendingSince(AuditTimestamp)
    /// Look at the whole schedule again: a grant ended (its revocation is queued), the listener (re)connected (a
    /// notification may have been missed), or a payload this version does not read (another version's trigger).
    case lookAgain

    /// Reads a payload; anything but exactly `expires <µs>` or `pending <µs>` (µs since the Unix epoch, decimal) is
    /// ``lookAgain``: a payload misread can only cost a query, never a missed due moment.
    public init(payload: String?) {
        guard let payload, let space = payload.utf8.firstIndex(of: UInt8(ascii: " ")) else {
            self = .lookAgain
            return
        }
        let kind = payload.utf8[..<space]
        let digits = payload.utf8[payload.utf8.index(after: space)...]
        guard !digits.isEmpty, digits.count <= 19, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let micros = Int64(Substring(digits))
        else {
            self = .lookAgain
            return
        }
        switch Substring(kind) {
        case "expires": self = .expires(AuditTimestamp(microsecondsSinceEpoch: micros))
        case "pending": self = .pendingSince(AuditTimestamp(microsecondsSinceEpoch: micros))
        default: self = .lookAgain
        }
    }
}
