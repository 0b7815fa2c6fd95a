/// Why a bearer token was refused, or why it could not be checked.
///
/// Equality compares the ``code`` only, so tests and callers match on codes. The ``message`` is safe to
/// show to the caller: it never contains the token or key material.
public struct AuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case missingToken, malformedToken, unsupportedAlgorithm, invalidSignature, expired, notYetValid
            case wrongIssuer, wrongAudience, missingEmail, identityProviderUnavailable
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// No `Authorization` header, or not a bearer token.
        public static let missingToken = Code(.missingToken)
        /// Not a well-formed compact JWS (segments, base64url, JSON, size, `crit`, required claims).
        public static let malformedToken = Code(.malformedToken)
        /// `alg` is not an allowed asymmetric algorithm published by the issuer.
        public static let unsupportedAlgorithm = Code(.unsupportedAlgorithm)
        /// No key of the issuer verifies the signature.
        public static let invalidSignature = Code(.invalidSignature)
        /// `exp` lies in the past beyond the leeway.
        public static let expired = Code(.expired)
        /// `nbf` or `iat` lies in the future beyond the leeway.
        public static let notYetValid = Code(.notYetValid)
        /// `iss` is not the configured issuer.
        public static let wrongIssuer = Code(.wrongIssuer)
        /// `aud` does not contain the configured client id.
        public static let wrongAudience = Code(.wrongAudience)
        /// The `email` claim is absent or empty.
        public static let missingEmail = Code(.missingEmail)
        /// The issuer's discovery document or JWKS could not be fetched; the caller may retry later.
        public static let identityProviderUnavailable = Code(.identityProviderUnavailable)

        public var description: String { base.rawValue }
    }

    /// The class of failure.
    public let code: Code
    /// A human-readable reason, safe to return to the caller.
    public let message: String

    /// Creates an error with a code and a message that must not contain secrets.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The HTTP status the API edge should answer with: 503 when the identity provider is unreachable, else 401.
    public var httpStatus: Int { code == .identityProviderUnavailable ? 503 : 401 }

    public var description: String { message }

    public static func == (lhs: AuthError, rhs: AuthError) -> Bool { lhs.code == rhs.code }
}
