public import Foundation

/// How deeply a JSON text nests arrays and objects, measured by one pass over its bytes before any parser sees them.
///
/// Why: Foundation's `JSONDecoder` (swift-foundation's `JSONScanner`, Swift 6.3.1 on Linux) traps — the process dies —
/// on a document whose 513th level of nesting opens with `[` as its last byte (513 `[`, or 512 `{"a":` and a `[`),
/// while it builds the error's source location. The libFuzzer target `jws` found it through a JWKS document; the same
/// 513 bytes as any API body would have killed jitsudod. Every decode of bytes jitsudo did not write itself goes through
/// ``Foundation/JSONDecoder/decodeBounded(_:from:maximumDepth:)``, and `make lint` refuses a plain `decode` call.
public enum JSONNesting {
    /// Deeper than any document jitsudo reads (Kubernetes objects with their schemas stay under 40) and far below the
    /// 512 levels at which Foundation's scanner stops.
    public static let defaultMaximumDepth = 128

    /// Whether `bytes` nests arrays and objects more than `limit` levels deep. Brackets inside strings do not count;
    /// the text need not be valid JSON (the decoder judges that).
    public static func exceeds(_ limit: Int, in bytes: some Sequence<UInt8>) -> Bool {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > limit { return true }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth = max(depth - 1, 0)
            default: break
            }
        }
        return false
    }
}

/// A JSON text refused before decoding because it nests deeper than the limit.
public struct JSONNestingError: Error, CustomStringConvertible {
    public let limit: Int
    public var description: String { "JSON nested more than \(limit) levels deep" }
}

extension JSONDecoder {
    /// `decode(type, from: data)`, after checking that `data` nests at most `maximumDepth` levels deep.
    ///
    /// - Throws: ``JSONNestingError`` for deeper nesting (nothing is decoded), else what `decode` throws.
    public func decodeBounded<T: Decodable>(
        _ type: T.Type, from data: Data, maximumDepth: Int = JSONNesting.defaultMaximumDepth
    ) throws -> T {
        guard !JSONNesting.exceeds(maximumDepth, in: data) else { throw JSONNestingError(limit: maximumDepth) }
        return try decode(type, from: data)
    }
}
