/// An error raised by the domain core: a stable code, a message that says what to do next, and context.
///
/// Equality compares the code only, so tests and callers branch on ``Code`` rather than on wording.
public struct CoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure. New codes may be added; switch with a `default`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable { case illegalTransition, invalidDuration, invalidIdentifier, invalidArgument }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// The requested event is not legal in the request's current state.
        public static let illegalTransition = Code(.illegalTransition)
        /// A duration text could not be parsed or is out of bounds.
        public static let invalidDuration = Code(.invalidDuration)
        /// An identifier does not have the expected prefix or ULID form.
        public static let invalidIdentifier = Code(.invalidIdentifier)
        /// A value fails validation.
        public static let invalidArgument = Code(.invalidArgument)

        public var description: String { kind.rawValue }
    }

    /// What went wrong, as a code.
    public let code: Code
    /// A human sentence naming the problem and, where it helps, the next step.
    public let message: String
    /// Extra facts (state names, values), never secrets.
    public let context: [String: String]

    public init(_ code: Code, _ message: String, context: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.context = context
    }

    public var description: String { message }

    public static func == (lhs: CoreError, rhs: CoreError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
