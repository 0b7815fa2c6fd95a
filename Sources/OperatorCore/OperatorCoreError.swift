/// A specification the operator cannot act on. Equality compares the code only, so tests compare codes; the message
/// names the field and what to change.
public struct OperatorCoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem this is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable { case invalidSpec, invalidDuration }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A field of a JitsudoCluster or JitsudoRestore spec has a value the operator refuses.
        public static let invalidSpec = Code(.invalidSpec)
        /// A duration is not a Go-style duration such as `720h`, `90m` or `60s`.
        public static let invalidDuration = Code(.invalidDuration)

        public var description: String { value.rawValue }
    }

    public var code: Code
    /// What is wrong and what to do about it.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    public static func == (lhs: OperatorCoreError, rhs: OperatorCoreError) -> Bool { lhs.code == rhs.code }
}
