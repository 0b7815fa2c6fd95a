/// An error from compiling or evaluating Rego, formatted like OPA: `<file>:<row>: <code>: <message>`.
///
/// Equality compares the code only, so tests can match on codes.
public struct RegoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An OPA error code (or one of ours for limits).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The code text, e.g. `rego_parse_error`.
        public let rawValue: String
        init(_ raw: String) { rawValue = raw }
        public var description: String { rawValue }

        /// Syntax error in a module or query.
        public static let parse = Code("rego_parse_error")
        /// Generic compile error.
        public static let compile = Code("rego_compile_error")
        /// A variable that cannot be bound.
        public static let unsafeVar = Code("rego_unsafe_var_error")
        /// Recursive rule definitions.
        public static let recursion = Code("rego_recursion_error")
        /// Compile-time type error (wrong arity, unknown function).
        public static let type = Code("rego_type_error")
        /// Complete rule, function or object key conflict.
        public static let conflict = Code("eval_conflict_error")
        /// Operand of wrong type in strict evaluation.
        public static let evalType = Code("eval_type_error")
        /// Builtin failed in strict evaluation.
        public static let builtin = Code("eval_builtin_error")
        /// Evaluation exceeded its step budget.
        public static let budgetExceeded = Code("eval_budget_exceeded")
        /// Evaluation exceeded its wall-clock timeout.
        public static let timeout = Code("eval_timeout")
        /// Evaluation exceeded the recursion/depth limit.
        public static let depthExceeded = Code("eval_depth_exceeded")
        /// Malformed JSON document.
        public static let jsonParse = Code("json_parse_error")
        /// Other evaluation failure.
        public static let internalError = Code("eval_internal_error")
    }

    /// The error code.
    public let code: Code
    /// Human-readable message.
    public let message: String
    /// Source location, if known.
    public let location: SourceLocation?

    /// Creates an error.
    public init(code: Code, message: String, location: SourceLocation? = nil) {
        self.code = code
        self.message = message
        self.location = location
    }

    /// `<file>:<row>: <code>: <message>` (location omitted when unknown).
    public var description: String {
        if let l = location { return "\(l.file):\(l.row): \(code): \(message)" }
        return "\(code): \(message)"
    }

    public static func == (a: RegoError, b: RegoError) -> Bool { a.code == b.code }
}

/// A position in a module: file name, 1-based row and column.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// File name (e.g. `test-0.rego`).
    public let file: String
    /// 1-based line.
    public let row: Int
    /// 1-based column.
    public let column: Int

    /// Creates a location.
    public init(file: String, row: Int, column: Int) {
        self.file = file
        self.row = row
        self.column = column
    }

    /// `file:row:column`.
    public var description: String { "\(file):\(row):\(column)" }
}
