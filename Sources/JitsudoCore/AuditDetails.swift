/// The `details_json` object of an audit event, written deterministically: members sorted by key,
/// no insignificant whitespace, non-ASCII text kept as UTF-8, so the hashed text is reproducible.
public struct AuditDetails: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    /// A member value.
    public indirect enum Value: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral,
        ExpressibleByIntegerLiteral
    {
        case string(String)
        case int(Int64)
        case bool(Bool)
        case object(AuditDetails)
        /// JSON text inserted verbatim (e.g. an MCP reasoning object kept as received). The caller vouches that it is valid JSON.
        case rawJSON(String)

        public init(stringLiteral value: String) { self = .string(value) }
        public init(booleanLiteral value: Bool) { self = .bool(value) }
        public init(integerLiteral value: Int64) { self = .int(value) }
    }

    public private(set) var members: [String: Value]

    public init() { members = [:] }

    public init(dictionaryLiteral elements: (String, Value)...) {
        members = Dictionary(elements, uniquingKeysWith: { _, last in last })
    }

    public subscript(key: String) -> Value? {
        get { members[key] }
        set { members[key] = newValue }
    }

    /// The compact JSON text, keys in byte order.
    public var jsonText: String {
        var out = "{"
        for (index, (key, value)) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }).enumerated() {
            if index > 0 { out += "," }
            out += Self.quote(key) + ":"
            switch value {
            case .string(let text): out += Self.quote(text)
            case .int(let number): out += String(number)
            case .bool(let flag): out += flag ? "true" : "false"
            case .object(let nested): out += nested.jsonText
            case .rawJSON(let text): out += text
            }
        }
        return out + "}"
    }

    /// JSON string literal with the minimal escapes: quote, backslash and control characters.
    public static func quote(_ text: String) -> String {
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + text + "\""  // nothing to escape: most identities, actions and ids
        }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
