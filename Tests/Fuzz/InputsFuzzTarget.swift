// libFuzzer target: what a client controls before any policy runs. The JSON body decoding of every endpoint
// (JSONValue, then RequestFields with each operation's fields and types), RFC 3339 times (AuditTimestamp, the
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
    guard let value = try? JSONDecoder().decodeBounded(JSONValue.self, from: data), let fields = try? RequestFields(value) else { return 0 }
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
