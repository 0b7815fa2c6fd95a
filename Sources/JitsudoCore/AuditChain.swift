/// The hash chain of `audit.md` (format v2): computing an event's hash, linking a draft after the
/// chain head, and verifying a log in one streaming pass.
public enum AuditChain {
    /// The format tag, the first hashed field.
    public static let formatTag = "jitsudo.audit.v2"

    /// The hash of the empty log's head (`audit_chain_head.last_hash` when `last_id` is 0).
    public static let genesisHash = ""

    /// The head of the chain: the newest event's id and hash (0 and "" for an empty log).
    public struct Head: Sendable, Hashable {
        public var lastID: Int64
        public var lastHash: String
        public init(lastID: Int64, lastHash: String) {
            self.lastID = lastID
            self.lastHash = lastHash
        }
        /// The head of an empty log.
        public static let genesis = Head(lastID: 0, lastHash: AuditChain.genesisHash)
    }

    /// The exact bytes that are hashed: each field as a 4-byte big-endian length and its UTF-8 bytes.
    public static func preimage(of event: AuditEvent) -> [UInt8] {
        var bytes: [UInt8] = []
        appendPreimage(of: event, to: &bytes)
        return bytes
    }

    /// Appends ``preimage(of:)`` to `bytes`, writing the id and timestamp digits in place (no intermediate strings).
    /// The fields in order: the format tag, `prev_hash`, id, timestamp, then the seven texts.
    public static func appendPreimage(of event: AuditEvent, to bytes: inout [UInt8]) {
        func field(_ text: String) {
            appendLength(text.utf8.count, to: &bytes)
            bytes.append(contentsOf: text.utf8)
        }
        field(formatTag)
        field(event.prevHash)
        appendIDAndTimestamp(id: event.id, timestamp: event.timestamp, to: &bytes)
        field(event.actorIdentity)
        field(event.action)
        field(event.requestID ?? "")
        field(event.provider)
        field(event.resourceScope)
        field(event.outcome.rawValue)
        field(event.detailsJSON)
    }

    /// A field's 4-byte big-endian length.
    public static func appendLength(_ count: Int, to bytes: inout [UInt8]) {
        let count = UInt32(truncatingIfNeeded: count)
        bytes.append(UInt8(truncatingIfNeeded: count >> 24))
        bytes.append(UInt8(truncatingIfNeeded: count >> 16))
        bytes.append(UInt8(truncatingIfNeeded: count >> 8))
        bytes.append(UInt8(truncatingIfNeeded: count))
    }

    /// The id and timestamp fields (decimal digits; the canonical time text), each with its length.
    public static func appendIDAndTimestamp(id: Int64, timestamp: AuditTimestamp, to bytes: inout [UInt8]) {
        if id >= 0 {
            var divisor: Int64 = 1
            var count = 1
            while id / divisor >= 10 {
                divisor *= 10
                count += 1
            }
            appendLength(count, to: &bytes)
            while divisor > 0 {
                bytes.append(UInt8(truncatingIfNeeded: 48 + id / divisor % 10))
                divisor /= 10
            }
        } else {
            let digits = String(id)
            appendLength(digits.utf8.count, to: &bytes)
            bytes.append(contentsOf: digits.utf8)
        }
        let lengthAt = bytes.count
        appendLength(0, to: &bytes)
        timestamp.appendCanonicalText(to: &bytes)
        let timestampLength = UInt32(truncatingIfNeeded: bytes.count - lengthAt - 4)
        for shift in 0..<4 { bytes[lengthAt + shift] = UInt8(truncatingIfNeeded: timestampLength >> (24 - 8 * shift)) }
    }

    /// Lower-case hex SHA-256 of ``preimage(of:)``. The event's own `hash` is ignored.
    public static func hash(of event: AuditEvent) -> String {
        Hashing.sha256Hex(bytes: preimage(of: event))
    }

    /// Whether `event.hash` is the hash of its content, using `scratch` for the pre-image (reused across calls,
    /// so a long verification allocates nothing per event for it) and comparing digest bytes with the stored hex.
    public static func hashMatches(_ event: AuditEvent, scratch: inout [UInt8]) -> Bool {
        scratch.removeAll(keepingCapacity: true)
        appendPreimage(of: event, to: &scratch)
        return Hashing.sha256(scratch, equalsHex: event.hash)
    }

    /// Turns `draft` into the next event after `head`, stamped `timestamp`, with its hash computed.
    public static func link(_ draft: AuditDraft, after head: Head, at timestamp: AuditTimestamp) -> AuditEvent {
        var event = AuditEvent(
            id: head.lastID + 1,
            timestamp: timestamp,
            actorIdentity: draft.actorIdentity,
            action: draft.action,
            requestID: draft.requestID,
            provider: draft.provider,
            resourceScope: draft.resourceScope,
            outcome: draft.outcome,
            detailsJSON: draft.detailsJSON,
            prevHash: head.lastHash,
            hash: ""
        )
        event.hash = hash(of: event)
        return event
    }

    /// Verifies a whole log held in memory. Use ``Verifier`` to stream a large one.
    public static func verify(_ events: some Sequence<AuditEvent>, head: Head) -> VerificationResult {
        var verifier = Verifier()
        for event in events {
            if let broken = verifier.consume(event) { return broken }
        }
        return verifier.finish(head: head)
    }
}

/// The outcome of a verification, as `audit.md` §4 reports it.
public struct VerificationResult: Sendable, Hashable {
    public var intact: Bool
    /// Events that passed before the first problem (all of them when intact).
    public var eventsVerified: Int64
    public var firstEventID: Int64
    public var lastEventID: Int64
    /// The event the problem is reported at; nil when intact.
    public var brokenAtEventID: Int64?
    /// The problem text of §4; empty when intact.
    public var problem: String

    /// The CLI line: `Chain intact: N events verified` or `Chain broken at event <id>: <problem>`.
    public var summary: String {
        intact
            ? "Chain intact: \(eventsVerified) events verified"
            : "Chain broken at event \(brokenAtEventID ?? 0): \(problem)"
    }

    /// Events recorded with their change but not yet linked into the chain by the leader's sequencer when the chain
    /// was read (they are not among `eventsVerified`).
    public var unsequencedEvents: Int64 = 0

    /// This result, saying how many events were waiting for their chain position.
    public func reporting(unsequencedEvents count: Int64) -> VerificationResult {
        var result = self
        result.unsequencedEvents = count
        return result
    }

    /// The line `audit verify` adds when events were waiting: nil when none was.
    public static func unsequencedLine(_ count: Int64) -> String? {
        count > 0 ? "\(count) events recorded but not yet sequenced into the chain (the leader links them; not verified yet)" : nil
    }
}

extension AuditChain {
    /// Streaming verifier: feed events in ascending id order, stop at the first non-nil result, then
    /// call ``finish(head:)``. Constant memory: it keeps only the previous hash.
    public struct Verifier: Sendable {
        private var expectedID: Int64 = 1
        private var previousHash = AuditChain.genesisHash
        private var firstID: Int64 = 0
        private var scratch: [UInt8] = []

        public init() {}

        /// A verifier that has checked the events up to `head` (by other means, e.g. straight from the stored bytes)
        /// and goes on from there: the next event must be `head.lastID + 1` and link to `head.lastHash`.
        public init(after head: Head) {
            expectedID = head.lastID + 1
            previousHash = head.lastHash
            firstID = head.lastID > 0 ? 1 : 0
        }

        /// Events checked so far.
        public var verifiedCount: Int64 { expectedID - 1 }

        /// Checks the next event; returns the failure result at the first problem, else nil.
        public mutating func consume(_ event: AuditEvent) -> VerificationResult? {
            if firstID == 0 { firstID = event.id }
            guard event.id == expectedID else {
                return broken(at: expectedID, "missing event \(expectedID)")
            }
            guard event.prevHash == previousHash else {
                let problem =
                    event.id == 1
                    ? "first event has a non-empty prev_hash"
                    : "prev_hash does not match the hash of event \(event.id - 1)"
                return broken(at: event.id, problem)
            }
            guard AuditChain.hashMatches(event, scratch: &scratch) else {
                return broken(at: event.id, "stored hash does not match its content")
            }
            previousHash = event.hash
            expectedID += 1
            return nil
        }

        /// Compares the chain head with the last event seen and returns the final result.
        public func finish(head: Head) -> VerificationResult {
            let last = expectedID - 1
            guard head.lastID == last else {
                return broken(at: last, "chain head expects event \(head.lastID) but the log ends at event \(last)")
            }
            guard head.lastHash == previousHash else {
                return broken(at: last, "chain head hash does not match event \(last)")
            }
            return VerificationResult(
                intact: true, eventsVerified: last, firstEventID: last == 0 ? 0 : 1, lastEventID: last,
                brokenAtEventID: nil, problem: ""
            )
        }

        private func broken(at id: Int64, _ problem: String) -> VerificationResult {
            VerificationResult(
                intact: false, eventsVerified: expectedID - 1, firstEventID: firstID, lastEventID: expectedID - 1,
                brokenAtEventID: id, problem: problem
            )
        }
    }
}
