import JitsudoCore
import NIOCore
import PostgresNIO

/// `audit verify`'s fast path: an `audit_events` row (`AuditLog.columns`) checked straight from its wire bytes, with
/// no strings built — the pre-image is assembled from the cells' UTF-8 and the stored hashes are compared as bytes.
/// It accepts a row only when it is the next event, links to the previous one and hashes to its stored hash; any
/// other row (a broken chain, an unexpected column) is left to the caller, who decodes it and lets
/// ``AuditChain/Verifier`` (resumed at ``head``) name the problem. The pre-image is the one
/// ``AuditChain/appendPreimage(of:to:)`` builds (`AuditLogTests.verifyFromStoredBytesAgreesWithTheCoreOnEveryColumn`
/// holds the two verdicts equal on every column).
struct AuditRowCheck {
    private var lastID: Int64 = 0
    private var previousHash: ByteBuffer?
    private var preimage: [UInt8] = []
    private var texts: [ByteBuffer?] = []

    /// The last event accepted (the genesis head before the first).
    var head: AuditChain.Head {
        AuditChain.Head(lastID: lastID, lastHash: previousHash.map { String(buffer: $0) } ?? AuditChain.genesisHash)
    }

    /// Events accepted so far.
    var verifiedCount: Int64 { lastID }

    /// Whether `row` is the next event of an intact chain; if so it becomes the head.
    mutating func accept(_ row: PostgresRow) -> Bool {
        // The columns: id, timestamp, the seven texts (actor, action, request — NULL hashes as "" —, provider, scope,
        // outcome, details), prev_hash, hash. The pre-image wants prev_hash before the id, so the texts wait in
        // `texts` (kept between rows: no allocation per row).
        var cells = row.makeIterator()
        guard let idCell = cells.next(), let id = Self.integer(idCell), id == lastID + 1,
            let stampCell = cells.next(), let stamp = Self.timestamp(stampCell)
        else { return false }
        texts.removeAll(keepingCapacity: true)
        for _ in 0..<7 {
            guard let cell = cells.next(), Self.isText(cell) else { return false }
            texts.append(cell.bytes)
        }
        guard let prevCell = cells.next(), Self.isText(prevCell), let prevHash = prevCell.bytes,
            let hashCell = cells.next(), Self.isText(hashCell), let hash = hashCell.bytes, cells.next() == nil,
            prevHash == (previousHash ?? ByteBuffer())
        else { return false }
        preimage.removeAll(keepingCapacity: true)
        Self.append(Self.formatTag, to: &preimage)
        Self.append(prevHash, to: &preimage)
        AuditChain.appendIDAndTimestamp(id: id, timestamp: stamp, to: &preimage)
        for text in texts { Self.append(text ?? ByteBuffer(), to: &preimage) }
        guard hash.withUnsafeReadableBytes({ Hashing.sha256(preimage, equalsHexUTF8: $0) }) else { return false }
        lastID = id
        previousHash = hash
        return true
    }

    private static let formatTag = ByteBuffer(string: AuditChain.formatTag)

    /// A field: its length, then its bytes (one copy).
    private static func append(_ field: ByteBuffer, to bytes: inout [UInt8]) {
        AuditChain.appendLength(field.readableBytes, to: &bytes)
        field.withUnsafeReadableBytes { bytes.append(contentsOf: $0) }
    }

    private static func isText(_ cell: PostgresCell) -> Bool {
        (cell.dataType == .text || cell.dataType == .varchar) && cell.format == .binary
    }

    private static func integer(_ cell: PostgresCell) -> Int64? {
        guard cell.dataType == .int8, cell.format == .binary, let bytes = cell.bytes, bytes.readableBytes == 8 else { return nil }
        return bytes.getInteger(at: bytes.readerIndex, as: Int64.self)
    }

    private static func timestamp(_ cell: PostgresCell) -> AuditTimestamp? {
        guard var bytes = cell.bytes else { return nil }
        return try? StoredTimestamp(from: &bytes, type: cell.dataType, format: cell.format, context: .default).value
    }
}
