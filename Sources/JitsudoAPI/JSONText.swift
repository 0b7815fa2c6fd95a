/// A value that writes its own JSON text, byte for byte what `HTTPJSON.encoder` (`JSONEncoder` with sorted keys and
/// unescaped slashes) writes for it, without `Codable`'s containers: the request path's responses
/// (`JSONTextTests` hold every type here to the encoder's exact output).
public protocol JSONTextEncodable: Encodable {
    func write(to text: inout JSONText)
}

extension JSONTextEncodable {
    /// The value's JSON text.
    public var jsonBytes: [UInt8] {
        var text = JSONText()
        write(to: &text)
        return text.bytes
    }
}

/// JSON text written in order: the writer of ``JSONTextEncodable`` values. Members are written in the order given, so
/// a type lists its keys sorted as the encoder sorts them (`String` order); string escapes are the encoder's: `\"`,
/// `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other control characters as `\u00xx`, everything else (`/` included) as is.
public struct JSONText {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func beginObject() { bytes.append(UInt8(ascii: "{")) }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")) }
    public mutating func beginArray() { bytes.append(UInt8(ascii: "[")) }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")) }

    /// A member's name and colon, after a comma unless it is the object's first.
    public mutating func key(_ name: String) {
        separate()
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    /// The comma before an array element or object member that is not the first.
    public mutating func separate() {
        if let last = bytes.last, last != UInt8(ascii: "{"), last != UInt8(ascii: "["), last != UInt8(ascii: ":") {
            bytes.append(UInt8(ascii: ","))
        }
    }

    public mutating func member(_ name: String, _ value: String) {
        key(name)
        string(value)
    }

    public mutating func member(_ name: String, _ value: String?) {
        key(name)
        if let value { string(value) } else { null() }
    }

    public mutating func member(_ name: String, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: value ? "true".utf8 : "false".utf8)
    }

    public mutating func member(_ name: String, _ value: Int) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    /// A `[String: String]` member, its keys sorted.
    public mutating func member(_ name: String, _ map: [String: String]) {
        key(name)
        beginObject()
        for (mapKey, value) in map.sorted(by: { $0.key < $1.key }) { member(mapKey, value) }
        endObject()
    }

    public mutating func member(_ name: String, _ values: [some JSONTextEncodable]) {
        key(name)
        beginArray()
        for value in values {
            separate()
            value.write(to: &self)
        }
        endArray()
    }

    public mutating func member(_ name: String, _ value: some JSONTextEncodable) {
        key(name)
        value.write(to: &self)
    }

    public mutating func null() { bytes.append(contentsOf: "null".utf8) }

    /// A quoted string: runs that need no escape are copied whole.
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var runStart = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                appendEscaped(byte)
                runStart = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscaped(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), Self.hexDigit(byte >> 4), Self.hexDigit(byte & 0x0F)])
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 { value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10 }
}
