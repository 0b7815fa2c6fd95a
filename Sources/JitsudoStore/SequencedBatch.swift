import JitsudoCore

/// One sequencing batch as it is built: staged rows, in staging order, each linked after the one before it
/// (``AuditSequencer``). Pure: it only turns staged fields into chained events.
struct SequencedBatch: Sendable {
    /// The head the next event is linked after (the batch's last event once it has one).
    private(set) var head: AuditChain.Head
    private(set) var events: [AuditEvent] = []
    /// The staging sequence number of each event, in the same order.
    private(set) var stagedSequence: [Int64] = []

    init(after head: AuditChain.Head) {
        self.head = head
    }

    /// A staged row: `seq`, microseconds of `staged_at`, then the event's fields as stored.
    typealias StagedRow = (Int64, Int64, String, String, String?, String, String, String, String)

    /// Links `row` as the next event. Throws for an outcome the chain does not know (the staging table's checks refuse
    /// one, so only a table altered outside jitsudo has it); the batch then links nothing.
    mutating func link(_ row: StagedRow) throws {
        let (seq, micros, actor, action, requestID, provider, scope, outcomeText, details) = row
        guard let outcome = AuditOutcome(rawValue: outcomeText) else {
            throw StoreError(.integrity, "staged audit event \(seq) has outcome '\(outcomeText)', which audit.md does not allow; it was not linked")
        }
        var draft = AuditDraft(actor: actor, action: action, requestID: requestID, provider: provider, resourceScope: scope, outcome: outcome)
        draft.detailsJSON = details
        let event = AuditChain.link(draft, after: head, at: AuditTimestamp(microsecondsSinceEpoch: micros))
        head = AuditChain.Head(lastID: event.id, lastHash: event.hash)
        events.append(event)
        stagedSequence.append(seq)
    }
}
