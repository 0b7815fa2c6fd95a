/// The one error shape of the API (`api.md` §3): an HTTP status, a code name, the gRPC-style number the
/// original's gateway produced, and a message that says what went wrong and what to do next.
public struct APIError: Error, Sendable, Hashable, CustomStringConvertible {
    public let status: Int
    public let code: String
    public let number: Int
    public let message: String

    public init(status: Int, code: String, number: Int, message: String) {
        self.status = status
        self.code = code
        self.number = number
        self.message = message
    }

    public static func invalidArgument(_ message: String) -> APIError { .init(status: 400, code: "invalid_argument", number: 3, message: message) }
    public static func unauthenticated(_ message: String) -> APIError { .init(status: 401, code: "unauthenticated", number: 16, message: message) }
    public static func permissionDenied(_ message: String) -> APIError { .init(status: 403, code: "permission_denied", number: 7, message: message) }
    public static func notFound(_ message: String) -> APIError { .init(status: 404, code: "not_found", number: 5, message: message) }
    public static func failedPrecondition(_ message: String) -> APIError {
        .init(status: 409, code: "failed_precondition", number: 9, message: message)
    }
    public static func payloadTooLarge(_ message: String) -> APIError { .init(status: 413, code: "payload_too_large", number: 8, message: message) }
    public static func internalError(requestID: String) -> APIError {
        .init(status: 500, code: "internal", number: 13, message: "internal error; quote request id \(requestID) when reporting it")
    }
    public static func providerError(_ message: String) -> APIError { .init(status: 502, code: "provider_error", number: 14, message: message) }
    public static func unavailable(_ message: String) -> APIError { .init(status: 503, code: "unavailable", number: 14, message: message) }

    public var description: String { message }

    /// The response body.
    public var body: ErrorBody {
        ErrorBody(code: number, message: message, details: [], error: .init(code: code, message: message))
    }

    /// `{"code": 9, "message": "…", "details": [], "error": {"code": "failed_precondition", "message": "…"}}`
    public struct ErrorBody: Codable, Sendable, Hashable {
        public var code: Int
        public var message: String
        public var details: [String]
        public var error: Inner

        public struct Inner: Codable, Sendable, Hashable {
            public var code: String
            public var message: String
        }
    }
}
