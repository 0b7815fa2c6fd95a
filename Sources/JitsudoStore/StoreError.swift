/// An error from the store: a stable code, a message that says what to do next, and context.
/// Equality compares the code only.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable {
            case notFound, failedPrecondition, invalidArgument, unavailable, conflict, migration, integrity
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// The row does not exist.
        public static let notFound = Code(.notFound)
        /// The row is in a state where the operation is not allowed.
        public static let failedPrecondition = Code(.failedPrecondition)
        /// A value was rejected (bad page token, constraint violation from user input).
        public static let invalidArgument = Code(.invalidArgument)
        /// The database could not be reached.
        public static let unavailable = Code(.unavailable)
        /// A uniqueness rule was violated.
        public static let conflict = Code(.conflict)
        /// Migrations could not be applied.
        public static let migration = Code(.migration)
        /// Stored data is not what the schema promises.
        public static let integrity = Code(.integrity)

        public var description: String { kind.rawValue }
    }

    public let code: Code
    public let message: String
    public let context: [String: String]

    public init(_ code: Code, _ message: String, context: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.context = context
    }

    public var description: String { message }
    public static func == (lhs: StoreError, rhs: StoreError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
