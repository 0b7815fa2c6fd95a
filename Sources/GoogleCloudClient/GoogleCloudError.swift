/// A failed Google Cloud call. Equality compares the code only. Messages are Google's own (they name the missing
/// permission on a 403) or this client's; they never contain tokens, keys or signatures.
public struct GoogleCloudError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable, Hashable {
            case invalidArgument, unauthenticated, permissionDenied, notFound, aborted, conflict, rateLimited, unavailable
            case malformedResponse, transport, credentials, failed
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// 400: the request was malformed or refused as invalid.
        public static let invalidArgument = Code(.invalidArgument)
        /// 401: the access token was refused.
        public static let unauthenticated = Code(.unauthenticated)
        /// 403: the caller lacks a permission (Google's message names it).
        public static let permissionDenied = Code(.permissionDenied)
        /// 404.
        public static let notFound = Code(.notFound)
        /// 409 `ABORTED`: a concurrent change (a stale IAM policy etag); repeat the whole read-modify-write.
        public static let aborted = Code(.aborted)
        /// 409 other than `ABORTED`.
        public static let conflict = Code(.conflict)
        /// 429 after every retry.
        public static let rateLimited = Code(.rateLimited)
        /// 5xx after every retry.
        public static let unavailable = Code(.unavailable)
        /// A response that is not the JSON the API describes.
        public static let malformedResponse = Code(.malformedResponse)
        /// No answer (connection refused, timeout) after every retry.
        public static let transport = Code(.transport)
        /// The client's own credentials cannot be read or exchanged for a token.
        public static let credentials = Code(.credentials)
        /// Any other status.
        public static let failed = Code(.failed)

        public var description: String { value.rawValue }
    }

    public let code: Code
    public let message: String
    /// The HTTP status, when there was a response.
    public let status: Int?

    public init(_ code: Code, _ message: String, status: Int? = nil) {
        self.code = code
        self.message = message
        self.status = status
    }

    public var description: String { status.map { "\(message) (HTTP \($0))" } ?? message }

    /// Whether a call that failed so may succeed when repeated unchanged.
    public var isTransient: Bool { [.rateLimited, .unavailable, .transport].contains(code) }

    /// The error for a non-2xx response: Google's `{"error": {"code", "message", "status"}}` body when there is one
    /// (OAuth endpoints answer `{"error": "...", "error_description": "..."}`), else the status alone.
    public static func fromResponse(status: Int, body: [UInt8]) -> GoogleCloudError {
        let document = try? JSONValue.parse(body)
        let googleStatus = document?["error"]?["status"]?.stringValue ?? ""
        var message =
            document?["error"]?["message"]?.stringValue
            ?? document?["error_description"]?.stringValue
            ?? document?["error"]?.stringValue
            ?? "HTTP \(status)"
        message = String(message.prefix(512))
        let code: Code
        switch status {
        case 400: code = .invalidArgument
        case 401: code = .unauthenticated
        case 403: code = .permissionDenied
        case 404: code = .notFound
        case 409: code = googleStatus == "ABORTED" ? .aborted : .conflict
        case 429: code = .rateLimited
        case 500...599: code = .unavailable
        default: code = .failed
        }
        return GoogleCloudError(code, message, status: status)
    }
}

extension GoogleCloudError: Equatable {
    public static func == (lhs: GoogleCloudError, rhs: GoogleCloudError) -> Bool { lhs.code == rhs.code }
}
