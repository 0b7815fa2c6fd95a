// libFuzzer target: what a client controls before any policy runs. The JSON body parsing of every endpoint
// (JSONValueParser, then RequestFields with each operation's fields and types) held to Foundation's decoder: a text
// the parser accepts, Foundation must accept as the same value (the parser is the stricter one: it also refuses
// repeated member names, which Foundation reads), else the target traps. RFC 3339 times (AuditTimestamp, the
// audit filters and policies:eval's `now`) and durations (GrantDuration, the CLI's --duration and the server's
// settings). Compiled with those sources by scripts/libfuzzer.sh; not a package target.
import BoundedJSON
import Foundation

/// The fields each endpoint reads from its body, with the accessor it uses (Routes.swift, Routes+Policies.swift).
private let endpointFields: [[(String, Character)]] = [
    [("provider", "s"), ("role", "s"), ("resourceScope", "s"), ("durationSeconds", "i"), ("reason", "s"), ("breakGlass", "b"), ("metadata", "m")],
    [("comment", "s")], [("reason", "s")], [("durationSeconds", "i"), ("reason", "s")], [("requesterIdentity", "s"), ("reason", "s")],
    [("name", "s"), ("type", "v"), ("rego", "s"), ("description", "s"), ("enabled", "b")], [("enabled", "b"), ("description", "s")],
    [("inputJson", "s"), ("type", "s"), ("now", "s")], [("trustTier", "i"), ("notes", "s")],
]

@_cdecl("LLVMFuzzerTestOneInput")
public func inputsFuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    let text = String(decoding: data, as: UTF8.self)
    _ = AuditTimestamp(parsing: text).map { $0.canonicalText }
    _ = try? GrantDuration.parse(text)
    guard let value = try? JSONValueParser.parse(data, maximumDepth: JSONNesting.defaultMaximumDepth) else { return 0 }
    guard let foundation = try? JSONDecoder().decodeBounded(JSONValue.self, from: data), sameValue(value, foundation) else {
        fatalError("JSONValueParser accepted what Foundation reads differently: \(text.prefix(200))")
    }
    guard let fields = try? RequestFields(value) else { return 0 }
    for endpoint in endpointFields {
        for (name, kind) in endpoint {
            switch kind {
            case "s": _ = try? fields.string(name, required: true, maxLength: 4_096)
            case "i": _ = try? fields.int64(name)
            case "b": _ = try? fields.bool(name)
            case "m": _ = try? fields.stringMap(name)
            default: _ = try? fields.value(name)
            }
        }
    }
    return 0
}

/// Equal JSON values, numbers compared by value (the parser reads `1.0` as a double where Foundation may read an integer).
private func sameValue(_ left: JSONValue, _ right: JSONValue) -> Bool {
    switch (left, right) {
    case (.integer(let a), .integer(let b)): return a == b
    case (.integer(let a), .double(let b)), (.double(let b), .integer(let a)): return Double(a) == b
    case (.double(let a), .double(let b)): return a == b
    case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy { sameValue($0, $1) }
    case (.object(let a), .object(let b)):
        return a.count == b.count && a.allSatisfy { key, value in b[key].map { sameValue(value, $0) } ?? false }
    default: return left == right
    }
}
