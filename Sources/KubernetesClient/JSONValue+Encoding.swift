import Foundation
import BoundedJSON

extension JSONValue {
    /// `value` as JSON (with Kubernetes time formats).
    public init<T: Encodable>(encoding value: T) throws {
        self = try JSONDecoder.kubernetes.decodeBounded(JSONValue.self, from: JSONEncoder.kubernetes.encode(value))
    }

    /// This value decoded as `T`.
    public func decode<T: Decodable>(as type: T.Type = T.self) throws -> T {
        try JSONDecoder.kubernetes.decodeBounded(T.self, from: JSONEncoder.kubernetes.encode(self))
    }
}
