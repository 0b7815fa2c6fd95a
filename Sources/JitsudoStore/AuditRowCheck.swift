import JitsudoCore

/// `audit verify`'s fast path: an `audit_events` row, read as one binary record (``StoredEventRecord``), checked
/// straight from its bytes with no strings built — the pre-image is assembled from the columns' UTF-8 and the stored
/// hashes are compared as bytes. It accepts a record only when it is the next event, links to the previous one and
/// hashes to its stored hash; any other record (a broken chain, an unexpected column) is left to the caller, who
/// decodes it and lets ``AuditChain/Verifier`` (resumed at ``head``) name the problem. The pre-image is the one
/// ``AuditChain/appendPreimage(of:to:)`` builds (`AuditLogTests.verifyFromStoredBytesAgreesWithTheCoreOnEveryColumn`
/// holds the two verdicts equal on every column).
struct AuditRowCheck {
    private var lastID: Int64 = 0
    private var previousHash: [UInt8] = []
    private var preimage: [UInt8] = []

    /// The last event accepted (the genesis head before the first).
    var head: AuditChain.Head {
        AuditChain.Head(
            lastID: lastID, lastHash: lastID == 0 ? AuditChain.genesisHash : String(decoding: previousHash, as: UTF8.self)
        )
    }

    /// Events accepted so far.
    var verifiedCount: Int64 { lastID }

    /// Whether `record` is the next event of an intact chain; if so it becomes the head.
    mutating func accept(_ record: UnsafeRawBufferPointer) -> Bool {
        guard let fields = StoredEventRecord(record), fields.id == lastID + 1,
            record[fields.prevHash].elementsEqual(previousHash)
        else { return false }
        preimage.removeAll(keepingCapacity: true)
        Self.append(Self.formatTag, to: &preimage)
        Self.append(record[fields.prevHash], to: &preimage)
        AuditChain.appendIDAndTimestamp(id: fields.id, timestamp: fields.timestamp, to: &preimage)
        for index in 0..<7 { Self.append(fields.texts[index].map { record[$0] } ?? record[0..<0], to: &preimage) }
        guard Hashing.sha256(preimage, equalsHexUTF8: UnsafeRawBufferPointer(rebasing: record[fields.hash])) else { return false }
        lastID = fields.id
        previousHash.removeAll(keepingCapacity: true)
        previousHash.append(contentsOf: record[fields.hash])
        return true
    }

    private static let formatTag = Array(AuditChain.formatTag.utf8)

    /// A field: its length, then its bytes.
    private static func append<Field: Collection<UInt8>>(_ field: Field, to bytes: inout [UInt8]) {
        AuditChain.appendLength(field.count, to: &bytes)
        bytes.append(contentsOf: field)
    }
}
