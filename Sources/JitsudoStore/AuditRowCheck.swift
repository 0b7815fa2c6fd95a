import JitsudoCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

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
        guard let fields = StoredEventRecord(record), fields.id == lastID + 1 else { return false }
        let prevHash = UnsafeRawBufferPointer(rebasing: record[fields.prevHash])
        let hash = UnsafeRawBufferPointer(rebasing: record[fields.hash])
        guard Self.equal(prevHash, previousHash) else { return false }
        preimage.removeAll(keepingCapacity: true)
        Self.formatTag.withUnsafeBytes { Self.append($0, to: &preimage) }
        Self.append(prevHash, to: &preimage)
        AuditChain.appendIDAndTimestamp(id: fields.id, timestamp: fields.timestamp, to: &preimage)
        for index in 0..<7 {
            Self.append(
                fields.texts[index].map { UnsafeRawBufferPointer(rebasing: record[$0]) } ?? UnsafeRawBufferPointer(start: nil, count: 0),
                to: &preimage)
        }
        guard Hashing.sha256(preimage, equalsHexUTF8: hash) else { return false }
        lastID = fields.id
        previousHash.removeAll(keepingCapacity: true)
        previousHash.append(contentsOf: hash)
        return true
    }

    private static let formatTag = Array(AuditChain.formatTag.utf8)

    /// A field: its length, then its bytes (copied as one block: the generic append over a slice went byte by byte).
    private static func append(_ field: UnsafeRawBufferPointer, to bytes: inout [UInt8]) {
        AuditChain.appendLength(field.count, to: &bytes)
        bytes.append(contentsOf: field)
    }

    /// Whether `stored` holds exactly `bytes` (one `memcmp`; the generic `elementsEqual` compared a byte per call).
    private static func equal(_ stored: UnsafeRawBufferPointer, _ bytes: [UInt8]) -> Bool {
        guard stored.count == bytes.count else { return false }
        guard let start = stored.baseAddress, !bytes.isEmpty else { return true }
        return bytes.withUnsafeBytes { memcmp(start, $0.baseAddress!, bytes.count) == 0 }
    }
}
