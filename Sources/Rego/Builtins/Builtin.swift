import Foundation
import Synchronization

/// A builtin function implementation: receives evaluated arguments, returns a value or `nil` (undefined).
public typealias BuiltinImplementation = @Sendable (_ context: BuiltinContext, _ args: [RegoValue]) throws -> RegoValue?

/// A builtin function resolved at compile time.
public final class Builtin: Sendable {
    /// Dotted name, e.g. `regex.match`.
    public let name: String
    /// Number of arguments (the call may pass one more, unified with the result).
    public let arity: Int
    let implementation: BuiltinImplementation
    /// Whether the result depends only on the arguments (not used for caching yet).
    let isRelation: Bool

    /// Creates a builtin.
    public init(name: String, arity: Int, implementation: @escaping BuiltinImplementation) {
        self.name = name
        self.arity = arity
        self.implementation = implementation
        self.isRelation = false
    }
}

/// Per-evaluation services available to builtins. Owned by one evaluation (one task): not `Sendable`.
public final class BuiltinContext {
    /// `time.now_ns()` for this evaluation, nanoseconds since the Unix epoch.
    public let nowNanoseconds: Int
    /// Whether builtin errors abort evaluation.
    public let strict: Bool
    let regexCache: RegexCache
    var uuidCache: [String: RegoValue] = [:]
    var evaluator: Evaluator?
    /// Monotonic deadline (`DispatchTime` nanoseconds) that long-running builtins must respect.
    var deadline: UInt64 = .max

    init(nowNanoseconds: Int, strict: Bool, regexCache: RegexCache) {
        self.nowNanoseconds = nowNanoseconds
        self.strict = strict
        self.regexCache = regexCache
    }
}

/// An error raised by a builtin; the evaluator adds the builtin name and location.
public struct BuiltinError: Error, Sendable {
    /// Whether this is an operand type error (`eval_type_error`) or another failure (`eval_builtin_error`).
    public let isTypeError: Bool
    /// Message without the builtin-name prefix.
    public let message: String

    /// An operand type error.
    public static func type(_ message: String) -> BuiltinError { BuiltinError(isTypeError: true, message: message) }
    /// Any other builtin failure.
    public static func failure(_ message: String) -> BuiltinError { BuiltinError(isTypeError: false, message: message) }

    /// `operand N must be T but got U`.
    public static func operand(_ index: Int, _ expected: String, _ got: RegoValue) -> BuiltinError {
        .type("operand \(index) must be \(expected) but got \(got.typeName)")
    }
}

/// Thread-safe cache of compiled regular expressions, shared by a compiled policy set.
final class RegexCache: Sendable {
    private let entries = Mutex<[String: NSRegularExpression]>([:])

    func regex(_ pattern: String) throws -> NSRegularExpression {
        if let r = entries.withLock({ $0[pattern] }) { return r }
        let translated = pattern.isEmpty ? "(?:)" : RegexTranslator.translate(pattern)
        let r: NSRegularExpression
        do {
            r = try NSRegularExpression(pattern: translated, options: [])
        } catch {
            throw BuiltinError.failure("error parsing regexp: invalid regular expression: `\(pattern)`")
        }
        entries.withLock { entries in
            if entries.count > 10_000 { entries.removeAll() }
            entries[pattern] = r
        }
        return r
    }
}
