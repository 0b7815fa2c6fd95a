import JitsudoCore

/// An `audit_events` row as one value: `ROW(<AuditLog.columns>)` in PostgreSQL's binary form (`record_send`) — a
/// column count, then for each column its type OID, its length (-1 for NULL) and its bytes. `audit verify` reads the
/// log this way: one cell per event instead of eleven, parsed in place. The values are the stored columns as
/// PostgreSQL sends them; nothing is computed on the server.
///
/// The fields are positions in the bytes the record was parsed from; ``event(in:)`` makes an ``AuditEvent`` of them.
struct StoredEventRecord {
    var id: Int64
    var timestamp: AuditTimestamp
    /// actor, action, request (nil: NULL), provider, scope, outcome, details — the pre-image's order.
    var texts: InlineArray<7, Range<Int>?>
    var prevHash: Range<Int>
    var hash: Range<Int>

    /// The column types the record may carry, by PostgreSQL type OID.
    private enum ColumnType {
        case bigint, timestamp, text

        func accepts(_ oid: UInt32) -> Bool {
            switch self {
            case .bigint: oid == 20
            case .timestamp: oid == 1184 || oid == 1114  // timestamptz, timestamp
            case .text: oid == 25 || oid == 1043  // text, varchar
            }
        }
    }

    /// Microseconds from the Unix epoch to PostgreSQL's epoch, 2000-01-01T00:00:00Z.
    private static let postgresEpochMicros: Int64 = 946_684_800_000_000

    /// Parses `bytes`; nil when they are not a record of the eleven columns with the expected types and no NULL other
    /// than the request.
    init?(_ bytes: UnsafeRawBufferPointer) {
        var reader = Reader(bytes: bytes)
        guard reader.int32() == 11,
            let id = reader.column(.bigint).flatMap({ $0 }), id.count == 8,
            let stamp = reader.column(.timestamp).flatMap({ $0 }), stamp.count == 8
        else { return nil }
        self.id = reader.int64(at: id.lowerBound)
        let micros = reader.int64(at: stamp.lowerBound)
        // ±infinity are Int64.max/min: refused rather than wrapped.
        let (unix, overflow) = micros.addingReportingOverflow(Self.postgresEpochMicros)
        guard !overflow, micros != .max, micros != .min else { return nil }
        timestamp = AuditTimestamp(microsecondsSinceEpoch: unix)
        texts = .init(repeating: nil)
        for index in 0..<7 {
            guard let text = reader.column(.text) else { return nil }
            guard text != nil || index == 2 else { return nil }
            texts[index] = text
        }
        guard let prevHash = reader.column(.text).flatMap({ $0 }),
            let hash = reader.column(.text).flatMap({ $0 }), reader.atEnd
        else { return nil }
        self.prevHash = prevHash
        self.hash = hash
    }

    /// The event, with strings, from the `bytes` this record was parsed from; nil when its outcome is unknown.
    func event(in bytes: UnsafeRawBufferPointer) -> AuditEvent? {
        func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        let fields = (0..<7).map { texts[$0].map(text) }
        guard let actor = fields[0], let action = fields[1], let provider = fields[3], let scope = fields[4],
            let outcome = fields[5].flatMap(AuditOutcome.init(rawValue:)), let details = fields[6]
        else { return nil }
        return AuditEvent(
            id: id, timestamp: timestamp, actorIdentity: actor, action: action, requestID: fields[2], provider: provider,
            resourceScope: scope, outcome: outcome, detailsJSON: details, prevHash: text(prevHash), hash: text(hash)
        )
    }

    /// Big-endian reads with bounds checks.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        var atEnd: Bool { offset == bytes.count }

        mutating func int32() -> Int32? {
            guard bytes.count - offset >= 4 else { return nil }
            defer { offset += 4 }
            return Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self))
        }

        func int64(at position: Int) -> Int64 {
            Int64(bigEndian: bytes.loadUnaligned(fromByteOffset: position, as: Int64.self))
        }

        /// The next column's bytes: nil when malformed or of another type, `.some(nil)` when NULL.
        mutating func column(_ type: ColumnType) -> Range<Int>?? {
            guard let oid = int32(), type.accepts(UInt32(bitPattern: oid)), let length = int32() else { return nil }
            if length == -1 { return .some(nil) }
            guard length >= 0, bytes.count - offset >= Int(length) else { return nil }
            defer { offset += Int(length) }
            return offset..<(offset + Int(length))
        }
    }
}
