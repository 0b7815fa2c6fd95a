/// A Rego value: JSON values plus sets, where any value may be an object key.
///
/// `Hashable` and `Comparable` follow OPA's total order:
/// null < false < true < numbers < strings < arrays < objects < sets.
public enum RegoValue: Sendable, Hashable, Comparable {
    /// JSON `null`.
    case null
    /// A boolean.
    case bool(Bool)
    /// An exact number.
    case number(RegoNumber)
    /// A string.
    case string(String)
    /// An ordered array.
    case array([RegoValue])
    /// An object with any values as keys.
    case object(RegoObject)
    /// A set of values.
    case set(RegoSet)

    /// Convenience for an integer number.
    public static func int(_ i: Int) -> RegoValue { .number(.int(i)) }

    /// The empty object.
    public static let emptyObject = RegoValue.object(RegoObject())

    var typeRank: Int {
        switch self {
        case .null: return 0
        case .bool: return 1
        case .number: return 2
        case .string: return 3
        case .array: return 4
        case .object: return 5
        case .set: return 6
        }
    }

    /// OPA's type name: `null`, `boolean`, `number`, `string`, `array`, `object`, `set`.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        case .set: return "set"
        }
    }

    /// Three-way comparison in OPA's order.
    public static func compare(_ a: RegoValue, _ b: RegoValue) -> Int {
        switch (a, b) {
        case (.null, .null): return 0
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (x ? 1 : -1)
        case (.number(let x), .number(let y)): return RegoNumber.compare(x, y)
        case (.string(let x), .string(let y)): return compareStrings(x, y)
        case (.array(let x), .array(let y)):
            for (a, b) in zip(x, y) {
                let c = compare(a, b)
                if c != 0 { return c }
            }
            return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
        case (.object(let x), .object(let y)):
            let xe = x.sortedEntries, ye = y.sortedEntries
            for (a, b) in zip(xe, ye) {
                let c = compare(a.key, b.key)
                if c != 0 { return c }
                let v = compare(a.value, b.value)
                if v != 0 { return v }
            }
            return xe.count == ye.count ? 0 : (xe.count < ye.count ? -1 : 1)
        case (.set(let x), .set(let y)):
            let xs = x.sorted, ys = y.sorted
            for (a, b) in zip(xs, ys) {
                let c = compare(a, b)
                if c != 0 { return c }
            }
            return xs.count == ys.count ? 0 : (xs.count < ys.count ? -1 : 1)
        default:
            return a.typeRank < b.typeRank ? -1 : 1
        }
    }

    static func compareStrings(_ x: String, _ y: String) -> Int {
        if x == y { return 0 }
        return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1
    }

    public static func < (a: RegoValue, b: RegoValue) -> Bool { compare(a, b) < 0 }

    /// The string payload, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The number payload, if this is a number.
    public var numberValue: RegoNumber? {
        if case .number(let n) = self { return n }
        return nil
    }

    /// Member lookup for objects (by key), arrays (by integer index) and sets (membership yields the element).
    public subscript(key: RegoValue) -> RegoValue? {
        switch self {
        case .object(let o): return o.storage[key]
        case .array(let a):
            guard case .number(let n) = key, let i = n.intValue, n.isInteger, i >= 0, i < a.count else { return nil }
            return a[i]
        case .set(let s): return s.storage.contains(key) ? key : nil
        default: return nil
        }
    }

    /// Member lookup by string key in an object.
    public subscript(key: String) -> RegoValue? { self[.string(key)] }
}

/// An object whose keys may be any Rego value; iteration is in OPA's key order.
public struct RegoObject: Sendable, Hashable {
    /// The entries.
    public var storage: [RegoValue: RegoValue]

    /// Creates an object from a dictionary.
    public init(_ storage: [RegoValue: RegoValue] = [:]) { self.storage = storage }

    /// Keys in OPA order.
    public var sortedKeys: [RegoValue] {
        storage.count <= 1 ? Array(storage.keys) : storage.keys.sorted()
    }

    /// Entries in key order.
    public var sortedEntries: [(key: RegoValue, value: RegoValue)] {
        storage.count <= 1 ? storage.map { ($0.key, $0.value) } : storage.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Number of entries.
    public var count: Int { storage.count }

    /// Reads or writes an entry.
    public subscript(key: RegoValue) -> RegoValue? {
        get { storage[key] }
        set { storage[key] = newValue }
    }
}

/// A set of Rego values; iteration is in OPA order.
public struct RegoSet: Sendable, Hashable {
    /// The members.
    public var storage: Set<RegoValue>

    /// Creates a set.
    public init(_ storage: Set<RegoValue> = []) { self.storage = storage }

    /// Members in OPA order.
    public var sorted: [RegoValue] { storage.count <= 1 ? Array(storage) : storage.sorted() }

    /// Number of members.
    public var count: Int { storage.count }
}
