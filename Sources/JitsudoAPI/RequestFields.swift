/// Reads the members of a JSON request body the way `api.md` §1 asks: lowerCamelCase or snake_case
/// (both spellings of one member is an error), unknown members ignored, 64-bit integers as numbers or
/// decimal strings. Every failure names the field.
public struct RequestFields: Sendable {
    public let members: [String: JSONValue]

    public init(_ value: JSONValue?) throws(APIError) {
        switch value {
        case .none, .some(.null): members = [:]
        case .some(.object(let object)): members = object
        case .some(let other): throw APIError.invalidArgument("request body must be a JSON object, got \(other.typeName)")
        }
    }

    /// The value of `camelName` (or its snake_case spelling), nil when absent or null.
    public func value(_ camelName: String) throws(APIError) -> JSONValue? {
        let snake = Self.snakeCase(camelName)
        let camelValue = members[camelName]
        let snakeValue = snake == camelName ? nil : members[snake]
        if camelValue != nil, snakeValue != nil {
            throw APIError.invalidArgument("\(snake): sent as both \(camelName) and \(snake); send one spelling")
        }
        switch camelValue ?? snakeValue {
        case .none, .some(.null): return nil
        case .some(let value): return value
        }
    }

    public func string(_ name: String, required: Bool = false, maxLength: Int = 4_096) throws(APIError) -> String? {
        guard let value = try value(name) else {
            if required { throw APIError.invalidArgument("\(Self.snakeCase(name)) is required") }
            return nil
        }
        guard case .string(let text) = value else {
            throw APIError.invalidArgument("\(Self.snakeCase(name)) must be a string, got \(value.typeName)")
        }
        guard text.utf8.count <= maxLength else {
            throw APIError.invalidArgument("\(Self.snakeCase(name)) is longer than \(maxLength) bytes")
        }
        if required, text.isEmpty { throw APIError.invalidArgument("\(Self.snakeCase(name)) is required") }
        return text
    }

    public func bool(_ name: String) throws(APIError) -> Bool? {
        guard let value = try value(name) else { return nil }
        switch value {
        case .bool(let flag): return flag
        case .string("true"): return true
        case .string("false"): return false
        default: throw APIError.invalidArgument("\(Self.snakeCase(name)) must be true or false, got \(value.typeName)")
        }
    }

    public func int64(_ name: String) throws(APIError) -> Int64? {
        guard let value = try value(name) else { return nil }
        switch value {
        case .integer(let number): return number
        case .string(let text):
            guard let number = Int64(text) else {
                throw APIError.invalidArgument("\(Self.snakeCase(name)) must be an integer, got '\(text.prefix(40))'")
            }
            return number
        case .double(let number) where number.rounded() == number && abs(number) < 9e15:
            return Int64(number)
        default: throw APIError.invalidArgument("\(Self.snakeCase(name)) must be an integer, got \(value.typeName)")
        }
    }

    public func stringMap(_ name: String) throws(APIError) -> [String: String]? {
        guard let value = try value(name) else { return nil }
        guard case .object(let object) = value else {
            throw APIError.invalidArgument("\(Self.snakeCase(name)) must be an object of strings, got \(value.typeName)")
        }
        var map: [String: String] = [:]
        for (key, member) in object {
            guard case .string(let text) = member else {
                throw APIError.invalidArgument("\(Self.snakeCase(name)).\(key) must be a string, got \(member.typeName)")
            }
            map[key] = text
        }
        return map
    }

    /// `resourceScope` → `resource_scope`.
    public static func snakeCase(_ camel: String) -> String {
        var out = ""
        for character in camel {
            if character.isUppercase {
                out += "_" + character.lowercased()
            } else {
                out.append(character)
            }
        }
        return out
    }
}
