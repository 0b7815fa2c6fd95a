/// A failed Azure call. `message` is Azure's own (or ours) and never contains a token, secret or assertion.
///
/// Equality is on ``code`` only, so tests and callers compare codes.
public struct AzureError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure, independent of the endpoint.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        /// The token endpoint refused jitsudod's own credentials (or the credential cannot be read).
        public static let authentication = Code("authentication")
        /// 403 (`AuthorizationFailed`): jitsudod's identity lacks the permission.
        public static let forbidden = Code("forbidden")
        /// 404.
        public static let notFound = Code("notFound")
        /// 409, or a 400 whose Azure code says the object already exists (`RoleAssignmentExists`, …).
        public static let conflict = Code("conflict")
        /// Any other 4xx: the request was wrong.
        public static let badRequest = Code("badRequest")
        /// 429 that outlived the retries (or asked for a longer wait than allowed).
        public static let throttled = Code("throttled")
        /// 5xx that outlived the retries.
        public static let server = Code("server")
        /// No HTTP answer (connection, TLS, timeout) after the retries.
        public static let transport = Code("transport")
        /// An answer that does not parse as what the API documents.
        public static let invalidResponse = Code("invalidResponse")
        public var description: String { raw }
    }

    public let code: Code
    /// The HTTP status, when there was an answer.
    public let status: Int?
    /// Azure's error code (`AuthorizationFailed`, `RoleAssignmentExists`, `AADSTS7000215`, …), when it gave one.
    public let azureCode: String?
    public let message: String

    public init(_ code: Code, status: Int? = nil, azureCode: String? = nil, _ message: String) {
        self.code = code
        self.status = status
        self.azureCode = azureCode
        self.message = message
    }

    public static func == (lhs: AzureError, rhs: AzureError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String {
        let prefix = [status.map { "HTTP \($0)" }, azureCode].compactMap { $0 }.joined(separator: " ")
        return prefix.isEmpty ? message : "\(prefix): \(message)"
    }
}
