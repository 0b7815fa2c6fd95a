public import JitsudoCore
public import PostgresNIO

/// A `timestamptz` column decoded from PostgreSQL's binary form (microseconds since 2000-01-01) straight into an
/// ``AuditTimestamp``: exact, and no `extract(epoch …)` numeric arithmetic on the server for every row read.
public struct StoredTimestamp: PostgresDecodable, Sendable {
    public let value: AuditTimestamp

    /// Microseconds from the Unix epoch to PostgreSQL's epoch, 2000-01-01T00:00:00Z.
    static let postgresEpochMicros: Int64 = 946_684_800_000_000

    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard type == .timestamptz || type == .timestamp, format == .binary else { throw PostgresDecodingError.Code.typeMismatch }
        guard buffer.readableBytes == 8, let micros = buffer.readInteger(as: Int64.self) else { throw PostgresDecodingError.Code.failure }
        // ±infinity are Int64.max/min: refused rather than wrapped.
        let (unix, overflow) = micros.addingReportingOverflow(Self.postgresEpochMicros)
        guard !overflow, micros != .max, micros != .min else { throw PostgresDecodingError.Code.failure }
        value = AuditTimestamp(microsecondsSinceEpoch: unix)
    }
}
