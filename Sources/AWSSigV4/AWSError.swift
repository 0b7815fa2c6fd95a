import Foundation

/// A failed AWS call: the service's error code and message (safe to show: AWS never echoes secrets), the HTTP
/// status, and whether trying again may help.
public struct AWSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// AWS's code (`AccessDenied`, `NoSuchEntity`, `Throttling`), or ``transport`` when no response arrived.
    public let code: String
    public let message: String
    /// The HTTP status; 0 when no response arrived.
    public let status: Int

    public static let transport = "TransportError"

    public init(code: String, message: String, status: Int) {
        self.code = code
        self.message = message
        self.status = status
    }

    /// Throttling, a 5xx or no response at all: the call may succeed later.
    public var isRetryable: Bool {
        status == 0 || status >= 500 || status == 429 || Self.throttlingCodes.contains(code)
    }

    /// The caller is not allowed (the message names the missing permission or the refused trust).
    public var isAccessDenied: Bool {
        [
            "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "InvalidClientTokenId", "SignatureDoesNotMatch",
            "ExpiredToken", "InvalidAccessKeyId",
        ].contains(code)
    }

    public var isNotFound: Bool { ["NoSuchEntity", "ResourceNotFoundException", "NotFound"].contains(code) || status == 404 }

    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "RequestLimitExceeded", "SlowDown", "PriorRequestNotComplete", "ServiceUnavailable", "InternalFailure", "InternalError",
    ]

    public var description: String { "\(code): \(message)" }

    /// The error of a query-protocol (`<ErrorResponse><Error><Code>…`) or JSON-protocol (`{"__type": …,
    /// "message": …}`) response body with `status`.
    public static func parse(status: Int, body: String) -> AWSError {
        if let code = XMLFields.first("Code", in: body) {
            return AWSError(code: code, message: XMLFields.first("Message", in: body) ?? "", status: status)
        }
        // A body that is neither AWS XML nor JSON still yields an error (HTTP<status>, below): never a success.
        if let data = body.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        {
            let type = (object["__type"] as? String) ?? (object["code"] as? String) ?? (object["Code"] as? String) ?? "HTTP\(status)"
            let message = (object["message"] as? String) ?? (object["Message"] as? String) ?? ""
            // `com.amazonaws.sso#ResourceNotFoundException` → the part after `#` (and before a `:` suffix).
            let code = type.split(separator: "#").last.map { String($0.split(separator: ":").first ?? $0) } ?? type
            return AWSError(code: code, message: message, status: status)
        }
        return AWSError(code: "HTTP\(status)", message: String(body.prefix(200)), status: status)
    }
}
