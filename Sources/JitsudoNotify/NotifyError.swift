/// An error from a notification channel or its configuration: a stable code, a message that says what to do
/// next, and context (never secrets). Equality compares the code only.
public struct NotifyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable {
            case invalidConfiguration, rejected, timeout, connection, protocolViolation, io, unknownChannel, badPayload
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// A configuration value is missing or malformed; the message names the setting.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The remote end refused the notification (HTTP status outside 2xx, SMTP 4xx/5xx reply).
        public static let rejected = Code(.rejected)
        /// The remote end did not answer in time.
        public static let timeout = Code(.timeout)
        /// The connection could not be made or was lost.
        public static let connection = Code(.connection)
        /// The remote end answered something the protocol does not allow.
        public static let protocolViolation = Code(.protocolViolation)
        /// A local file could not be written.
        public static let io = Code(.io)
        /// No notifier is configured for an outbox row's channel.
        public static let unknownChannel = Code(.unknownChannel)
        /// An outbox payload could not be decoded.
        public static let badPayload = Code(.badPayload)

        public var description: String { kind.rawValue }
    }

    /// What went wrong, as a code.
    public let code: Code
    /// A sentence naming the problem and the next step; never a secret.
    public let message: String
    /// Extra facts: `channel`, `setting`, `status`, `reply_code`, `step`.
    public let context: [String: String]

    /// Creates an error.
    public init(_ code: Code, _ message: String, context: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.context = context
    }

    /// A configuration error naming `setting`.
    static func invalid(_ setting: String, _ problem: String) -> NotifyError {
        NotifyError(.invalidConfiguration, "\(setting): \(problem)", context: ["setting": setting])
    }

    public var description: String { message }
    public static func == (lhs: NotifyError, rhs: NotifyError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
