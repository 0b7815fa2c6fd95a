import NIOCore
import PostgresNIO
import Synchronization

/// `AuditLog.verify`'s pass over the log, fed one row at a time by the query's row callback on the connection's event
/// loop: the checks so far and the first record they did not accept. Each row is one binary record
/// (``StoredEventRecord``).
final class AuditVerifyPass: Sendable {
    /// Thrown from the row callback to end the query at the first record not accepted.
    struct Stopped: Error {}

    private let state = Mutex<(check: AuditRowCheck, failed: ByteBuffer?)>((AuditRowCheck(), nil))

    /// The checks so far, and the record that stopped them (empty when the row was not one binary record).
    var outcome: (AuditRowCheck, failed: ByteBuffer?) { state.withLock { ($0.check, $0.failed) } }

    /// Checks `row`; returns the number of events accepted so far, or throws `Stopped`.
    func check(_ row: PostgresRow) throws -> Int64 {
        var cells = row.makeIterator()
        let record = cells.next().flatMap { $0.format == .binary ? $0.bytes : nil }
        return try state.withLock { state in
            guard let record, cells.next() == nil else {
                state.failed = ByteBuffer()
                throw Stopped()
            }
            guard record.withUnsafeReadableBytes({ state.check.accept($0) }) else {
                state.failed = record
                throw Stopped()
            }
            return state.check.verifiedCount
        }
    }
}
