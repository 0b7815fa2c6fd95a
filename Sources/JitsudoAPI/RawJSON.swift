import Foundation
import BoundedJSON

/// Finds the exact source text of a member inside a JSON document that is already known to be valid, so a value
/// can be stored byte for byte as it was received (the MCP approver's reasoning object, `audit.md`).
public enum RawJSON {
    /// The raw text of the value at `path` (object member names from the top), or nil when a step is missing or
    /// is not an object. The document must be valid JSON (decode it first); the first of duplicate names wins.
    public static func member(_ path: [String], in text: String) -> String? {
        let bytes = Array(text.utf8)
        var scanner = Scanner(bytes: bytes)
        var range = scanner.value()
        for name in path {
            guard let current = range, bytes[current.lowerBound] == UInt8(ascii: "{") else { return nil }
            scanner.position = current.lowerBound
            range = scanner.memberValue(named: name)
        }
        guard let range else { return nil }
        return String(decoding: bytes[range], as: UTF8.self)
    }

    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        mutating func skipWhitespace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        /// Skips one value and returns its byte range.
        mutating func value() -> Range<Int>? {
            skipWhitespace()
            guard position < bytes.count else { return nil }
            let start = position
            switch bytes[position] {
            case UInt8(ascii: "\""):
                skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                repeat {
                    switch bytes[position] {
                    case UInt8(ascii: "\""):
                        skipString()
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
                    default: break
                    }
                    position += 1
                } while depth > 0 && position < bytes.count
            default:
                while position < bytes.count, !",}] \t\r\n".utf8.contains(bytes[position]) { position += 1 }
            }
            return start..<position
        }

        mutating func skipString() {
            position += 1
            while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
                position += bytes[position] == UInt8(ascii: "\\") ? 2 : 1
            }
            position += 1
        }

        /// From an object's `{`, the range of the value of member `name`.
        mutating func memberValue(named name: String) -> Range<Int>? {
            position += 1
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { return nil }
                let keyStart = position
                skipString()
                let key = decodeKey(bytes[keyStart..<position])
                skipWhitespace()
                position += 1  // ':'
                let range = value()
                if key == name { return range }
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ",") else { return nil }
                position += 1
            }
        }

        /// A member name without its quotes; names with escapes are compared in their decoded form.
        func decodeKey(_ quoted: ArraySlice<UInt8>) -> String {
            let inner = quoted.dropFirst().dropLast()
            guard inner.contains(UInt8(ascii: "\\")) else { return String(decoding: inner, as: UTF8.self) }
            return (try? JSONDecoder().decodeBounded(String.self, from: Data(quoted))) ?? ""
        }
    }
}
