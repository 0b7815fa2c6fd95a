/// An id that is a validated string with a fixed prefix (`req_…`, `pol_…`): coded as that string (decoding validates
/// it), ordered and printed by it.
public protocol PrefixedIdentifier: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    var rawValue: String { get }
    /// Validates `text`; throws ``CoreError`` `invalidIdentifier` naming the expected form.
    init(parsing text: String) throws(CoreError)
}

extension PrefixedIdentifier {
    public init(from decoder: any Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }
}

/// The id of an elevation request: `req_` followed by a 26-character ULID.
public struct RequestID: PrefixedIdentifier {
    /// The full text, e.g. `req_01JQ3Z8H6D5Y4C2B1A0F9E8D7C`.
    public let rawValue: String

    public static let prefix = "req_"

    /// A new id for a request created at `milliseconds` (Unix time).
    public static func generate(milliseconds: UInt64, using generator: inout some RandomNumberGenerator) -> RequestID {
        RequestID(unchecked: prefix + ULID.generate(milliseconds: milliseconds, using: &generator).text)
    }

    /// Validates `text`.
    ///
    /// - Throws: ``CoreError`` `invalidIdentifier` naming the expected form.
    public init(parsing text: String) throws(CoreError) {
        guard text.hasPrefix(Self.prefix), let ulid = ULID(parsing: String(text.dropFirst(Self.prefix.count))),
            ulid.text == String(text.dropFirst(Self.prefix.count))
        else {
            throw CoreError(
                .invalidIdentifier,
                "'\(text.prefix(64))' is not a request id; request ids look like req_01JQ3Z8H6D5Y4C2B1A0F9E8D7C"
            )
        }
        self.rawValue = text
    }

    init(unchecked rawValue: String) {
        self.rawValue = rawValue
    }
}

/// The id of a stored policy: `pol_` followed by letters, digits or `_` (a ULID for created policies;
/// the development seeds use `pol_dev_eligibility` and `pol_dev_approval`).
public struct PolicyID: PrefixedIdentifier {
    public let rawValue: String

    public static let prefix = "pol_"

    /// A new id for a policy created at `milliseconds` (Unix time).
    public static func generate(milliseconds: UInt64, using generator: inout some RandomNumberGenerator) -> PolicyID {
        PolicyID(unchecked: prefix + ULID.generate(milliseconds: milliseconds, using: &generator).text)
    }

    /// Validates `text`.
    ///
    /// - Throws: ``CoreError`` `invalidIdentifier`.
    public init(parsing text: String) throws(CoreError) {
        let body = text.dropFirst(Self.prefix.count)
        guard text.hasPrefix(Self.prefix), !body.isEmpty, body.count <= 64,
            body.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        else {
            throw CoreError(.invalidIdentifier, "'\(text.prefix(64))' is not a policy id; policy ids look like pol_01JQ3Z8H6D5Y4C2B1A0F9E8D7C")
        }
        self.rawValue = text
    }

    init(unchecked rawValue: String) {
        self.rawValue = rawValue
    }
}
