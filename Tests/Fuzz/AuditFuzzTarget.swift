// libFuzzer target: the audit chain as `jitsudo audit verify` reads it back (audit.md §2–§4). The input is cut at
// 0x1F bytes into fields, eight per event (actor, action, request id, provider, scope, outcome, details, time), so
// every field of the hashed pre-image is fuzzer-controlled, empty, huge or not UTF-8.
//
// Checked on every input, not only "does not crash":
// - a chain linked from the decoded drafts verifies intact, all of it;
// - changing one field of one event (chosen by the input) breaks the chain exactly at that event;
// - the same fields taken as stored events (ids, hashes and prev hashes as the input gives them) verify without
//   crashing, and a broken result names an event that exists;
// - a parsed time prints canonically and parses back to itself.
// Compiled with those JitsudoCore sources by scripts/libfuzzer.sh (linked against the release build's swift-crypto);
// not a package target.
import Foundation

private let separator: UInt8 = 0x1F
private let fieldsPerEvent = 8
private let fallbackTime = AuditTimestamp(microsecondsSinceEpoch: 1_773_828_000_000_000)

@_cdecl("LLVMFuzzerTestOneInput")
public func auditFuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let fields = bytes.split(separator: separator, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    for field in fields.prefix(16) { checkTimeRoundTrip(field) }
    let events = stride(from: 0, to: fields.count - fieldsPerEvent + 1, by: fieldsPerEvent).map {
        Array(fields[$0..<$0 + fieldsPerEvent])
    }
    guard !events.isEmpty else { return 0 }

    // Linked by the appender's own function: intact, every event.
    var head = AuditChain.Head.genesis
    var chain: [AuditEvent] = []
    for event in events.prefix(64) {
        var draft = AuditDraft(
            actor: event[0], action: event[1], requestID: event[2].isEmpty ? nil : event[2], provider: event[3],
            resourceScope: event[4], outcome: event[5].utf8.first.map { $0 & 1 == 0 } ?? true ? .success : .failure)
        draft.detailsJSON = event[6]  // hashed byte for byte, whatever it holds
        let linked = AuditChain.link(draft, after: head, at: AuditTimestamp(parsing: event[7]) ?? fallbackTime)
        chain.append(linked)
        head = AuditChain.Head(lastID: linked.id, lastHash: linked.hash)
    }
    let verified = AuditChain.verify(chain, head: head)
    guard verified.intact, verified.eventsVerified == Int64(chain.count) else {
        fatalError("a chain linked by AuditChain.link did not verify: \(verified.summary)")
    }

    // One field of one event changed: broken exactly there.
    let target = count % chain.count
    var tampered = chain
    switch bytes.last.map({ Int($0) % 6 }) ?? 0 {
    case 0: tampered[target].actorIdentity += "x"
    case 1: tampered[target].detailsJSON += " "
    case 2: tampered[target].outcome = tampered[target].outcome == .success ? .failure : .success
    case 3: tampered[target].timestamp = AuditTimestamp(microsecondsSinceEpoch: tampered[target].timestamp.microseconds + 1)
    case 4: tampered[target].requestID = (tampered[target].requestID ?? "") + "0"
    default: tampered[target].prevHash = String(repeating: "0", count: 64)
    }
    let broken = AuditChain.verify(tampered, head: head)
    guard !broken.intact, broken.brokenAtEventID == Int64(target + 1) else {
        fatalError("changing event \(target + 1) was reported as: \(broken.summary)")
    }

    // The fields as stored events: whatever they say, verification ends with a result about an event that exists.
    let stored = events.prefix(64).enumerated().map { index, event in
        AuditEvent(
            id: Int64(event[0]) ?? Int64(index + 1), timestamp: AuditTimestamp(parsing: event[7]) ?? fallbackTime, actorIdentity: event[1],
            action: event[2], requestID: event[3].isEmpty ? nil : event[3], provider: event[4], resourceScope: event[4],
            outcome: event[5].hasPrefix("f") ? .failure : .success, detailsJSON: event[6], prevHash: index == 0 ? "" : event[5],
            hash: event[6])
    }
    let result = AuditChain.verify(stored, head: AuditChain.Head(lastID: Int64(stored.count), lastHash: stored.last?.hash ?? ""))
    if let at = result.brokenAtEventID, at < 0 || at > Int64(stored.count) + 1 {
        fatalError("verification named event \(at) of a log of \(stored.count)")
    }
    return 0
}

/// A parsed time prints canonically and parses back to the same instant.
private func checkTimeRoundTrip(_ text: String) {
    guard let time = AuditTimestamp(parsing: text) else { return }
    let canonical = time.canonicalText
    guard let again = AuditTimestamp(parsing: canonical), again == time, again.canonicalText == canonical else {
        fatalError("'\(text)' parsed to \(canonical), which does not parse back to itself")
    }
}
