import Foundation
import BoundedJSON

/// A JSON object that keeps every member, with typed access to the members we know.
///
/// Used for parts of objects with many fields we do not model (a pod's `spec`): read-modify-write through the
/// client never drops what the server sent.
public struct JSONObject: Codable, Sendable, Hashable {
    public var members: [String: JSONValue]

    public init(_ members: [String: JSONValue] = [:]) { self.members = members }

    public init(from decoder: any Decoder) throws {
        members = try decoder.singleValueContainer().decode([String: JSONValue].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(members)
    }

    /// Member `key` decoded as `T`; nil when missing or of another shape.
    public func value<T: Decodable>(_ key: String, as type: T.Type = T.self) -> T? {
        guard let member = members[key], let data = try? JSONEncoder.kubernetes.encode(member) else { return nil }
        return try? JSONDecoder.kubernetes.decodeBounded(T.self, from: data)
    }

    /// Sets member `key` to `value` encoded as JSON (nil removes it).
    public mutating func set<T: Encodable>(_ key: String, _ value: T?) {
        guard let value else {
            members[key] = nil
            return
        }
        guard let data = try? JSONEncoder.kubernetes.encode(value), let json = try? JSONDecoder.kubernetes.decodeBounded(JSONValue.self, from: data)
        else {
            return
        }
        members[key] = json
    }
}
