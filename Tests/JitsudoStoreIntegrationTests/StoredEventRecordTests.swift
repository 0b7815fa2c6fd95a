import JitsudoCore
import Testing

@testable import JitsudoStore

/// `audit verify` parses every event from PostgreSQL's binary record form in place: any bytes at all must give a
/// record or nil, never a read out of bounds (the database is the party `verify` does not trust).
@Suite struct StoredEventRecordTests {
    /// A record as `record_send` writes it: the column count, then (type OID, length, bytes) per column.
    private static func record(_ columns: [(oid: UInt32, value: [UInt8]?)]) -> [UInt8] {
        func int32(_ value: Int32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
        var bytes = int32(Int32(columns.count))
        for (oid, value) in columns {
            bytes += int32(Int32(bitPattern: oid))
            if let value { bytes += int32(Int32(value.count)) + value } else { bytes += int32(-1) }
        }
        return bytes
    }

    private static func columns(request: [UInt8]? = Array("req_1".utf8)) -> [(oid: UInt32, value: [UInt8]?)] {
        let id = withUnsafeBytes(of: Int64(42).bigEndian) { Array($0) }
        // 2026-01-02T03:04:05.123456Z in microseconds from 2000-01-01.
        let stamp = withUnsafeBytes(of: Int64(820_638_245_123_456).bigEndian) { Array($0) }
        let texts = ["alice@example.com", "request.created"].map { Array($0.utf8) }
        return [
            (20, id), (1184, stamp), (25, texts[0]), (25, texts[1]), (25, request), (25, Array("mock".utf8)),
            (1043, Array("scope ✓".utf8)), (25, Array("success".utf8)), (25, Array("{}".utf8)), (25, Array("".utf8)),
            (25, Array(String(repeating: "a", count: 64).utf8)),
        ]
    }

    private static func event(_ bytes: [UInt8]) -> AuditEvent?? {
        bytes.withUnsafeBytes { raw in StoredEventRecord(raw).map { $0.event(in: raw) } }
    }

    @Test func aWellFormedRecordIsTheEventItCarries() throws {
        let parsed = try #require(Self.event(Self.record(Self.columns())))
        let event = try #require(parsed)
        #expect(event.id == 42)
        #expect(event.timestamp.description == "2026-01-02T03:04:05.123456Z")
        #expect(event.actorIdentity == "alice@example.com" && event.action == "request.created")
        #expect(event.requestID == "req_1" && event.provider == "mock" && event.resourceScope == "scope ✓")
        #expect(event.outcome == .success && event.detailsJSON == "{}" && event.prevHash == "")
        #expect(event.hash == String(repeating: "a", count: 64))
        let parsedWithoutRequest = try #require(Self.event(Self.record(Self.columns(request: nil))))
        let withoutRequest = try #require(parsedWithoutRequest)
        #expect(withoutRequest.requestID == nil)
    }

    @Test func everyTruncationAndEveryLongerRecordIsRefused() {
        let whole = Self.record(Self.columns())
        for length in 0..<whole.count { #expect(Self.event(Array(whole.prefix(length))) == nil, "\(length) bytes") }
        #expect(Self.event(whole + [0]) == nil)
    }

    @Test func aWrongTypeACountOtherThanElevenOrANullOutsideTheRequestIsRefused() {
        for index in 0..<11 {
            var wrongType = Self.columns()
            wrongType[index].oid = 17  // bytea
            #expect(Self.event(Self.record(wrongType)) == nil, "column \(index) as bytea")
            guard index != 4 else { continue }
            var null = Self.columns()
            null[index].value = nil
            #expect(Self.event(Self.record(null)) == nil, "column \(index) NULL")
        }
        #expect(Self.event(Self.record(Array(Self.columns().prefix(10)))) == nil)
        var negative = Self.record(Self.columns())
        negative.replaceSubrange(8..<12, with: [0xFF, 0xFF, 0xFF, 0xFE])  // the id's length: -2
        #expect(Self.event(negative) == nil)
        var infinite = Self.columns()
        infinite[1].value = withUnsafeBytes(of: Int64.max.bigEndian) { Array($0) }
        #expect(Self.event(Self.record(infinite)) == nil, "timestamp 'infinity'")
    }

    @Test func anUnknownOutcomeParsesButMakesNoEvent() throws {
        var columns = Self.columns()
        columns[7].value = Array("maybe".utf8)
        let parsed = try #require(Self.event(Self.record(columns)))
        #expect(parsed == nil)
    }
}
