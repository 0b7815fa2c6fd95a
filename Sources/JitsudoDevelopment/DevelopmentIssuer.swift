import Crypto
import JitsudoAuth
public import Foundation
import Synchronization
import _CryptoExtras

/// A built-in OIDC issuer for `jitsudod dev` ONLY — never for production.
///
/// It holds an in-memory RS256 key (a new one per process), approves logins without any password, and keeps
/// device codes and refresh tokens in memory. It performs no I/O: the server serves the documents this type
/// returns under ``Configuration/baseURL``:
///
/// | route | body |
/// |---|---|
/// | `GET /.well-known/openid-configuration` | ``discoveryDocument()`` |
/// | `GET /jwks` | ``jwks()`` |
/// | `POST /device/code` (form) | ``deviceAuthorization(clientID:scope:now:)`` |
/// | `GET /device?user_code=…` | ``verificationPageVisited(userCode:now:)`` |
/// | `GET /authorize?…` | ``authorizationPage(query:)``: the user picker of the code flow |
/// | `POST /authorize` (form) | ``authorize(fields:now:)`` |
/// | `POST /token` (form) | ``token(formFields:now:)`` |
public final class DevelopmentIssuer: Sendable {
    /// A development user a login resolves to.
    public struct User: Sendable, Hashable {
        public var email: String
        public var groups: [String]
        public var subject: String

        public init(email: String, groups: [String] = [], subject: String? = nil) {
            self.email = email
            self.groups = groups
            self.subject = subject ?? email
        }
    }

    public struct Configuration: Sendable {
        /// The issuer URL, e.g. `http://127.0.0.1:8080/dev-oidc`; documents and `iss` use it.
        public var baseURL: String
        /// The audience of minted tokens. Default `jitsudo-cli`.
        public var clientID: String
        /// Lifetime of ID tokens. Default 1 h.
        public var tokenLifetime: TimeInterval
        /// Lifetime of a device code. Default 10 min.
        public var deviceCodeLifetime: TimeInterval
        /// Minimum seconds between two polls of the token endpoint. Default 5.
        public var pollInterval: Int
        /// Who a device login is approved as when the user opens the verification page. Nil: call ``approve(userCode:email:groups:)``.
        public var defaultUser: User?
        /// Approve device codes as ``defaultUser`` as soon as they are created (scripted dev logins).
        public var approvesDefaultUserAutomatically: Bool

        public init(
            baseURL: String, clientID: String = "jitsudo-cli", tokenLifetime: TimeInterval = 3600,
            deviceCodeLifetime: TimeInterval = 600, pollInterval: Int = 5, defaultUser: User? = nil,
            approvesDefaultUserAutomatically: Bool = false
        ) {
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.clientID = clientID
            self.tokenLifetime = tokenLifetime
            self.deviceCodeLifetime = deviceCodeLifetime
            self.pollInterval = pollInterval
            self.defaultUser = defaultUser
            self.approvesDefaultUserAutomatically = approvesDefaultUserAutomatically
        }
    }

    struct DeviceCode: Sendable {
        var userCode: String
        var scope: String
        var expiresAt: Date
        var interval: Int
        var lastPoll: Date?
        var approvedAs: User?
    }

    struct State: Sendable {
        var deviceCodes: [String: DeviceCode] = [:]
        var refreshTokens: [String: User] = [:]
        var authorizationCodes: [String: AuthorizationCode] = [:]
    }

    public let configuration: Configuration
    private let key: _RSA.Signing.PrivateKey
    /// `kid` of the signing key: base64url of the first 16 bytes of SHA-256 of the modulus.
    public let keyID: String
    let state = Mutex(State())

    /// Generates a fresh 2048-bit RSA key.
    public init(configuration: Configuration) throws {
        self.configuration = configuration
        self.key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let modulus = try key.publicKey.getKeyPrimitives().modulus
        self.keyID = Base64URL.encode(Data(SHA256.hash(data: modulus)).prefix(16))
    }

    /// The issuer URL (`iss` of minted tokens).
    public var issuer: String { configuration.baseURL }

    /// The OpenID Provider metadata document.
    public func discoveryDocument() -> Data {
        let base = configuration.baseURL
        return Self.json([
            "issuer": base,
            "jwks_uri": base + "/jwks",
            "device_authorization_endpoint": base + "/device/code",
            "authorization_endpoint": base + "/authorize",
            "token_endpoint": base + "/token",
            "id_token_signing_alg_values_supported": ["RS256"],
            "grant_types_supported": ["urn:ietf:params:oauth:grant-type:device_code", "authorization_code", "refresh_token"],
            "response_types_supported": ["code", "id_token"], "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["public"],
            "scopes_supported": ["openid", "email", "groups", "offline_access"],
        ])
    }

    /// The JWKS with the one public signing key.
    public func jwks() -> Data {
        let primitives = try? key.publicKey.getKeyPrimitives()
        return Self.json([
            "keys": [
                [
                    "kty": "RSA", "use": "sig", "alg": "RS256", "kid": keyID,
                    "n": Base64URL.encode(primitives?.modulus ?? Data()),
                    "e": Base64URL.encode(primitives?.publicExponent ?? Data()),
                ]
            ]
        ])
    }

    /// Mints an RS256 ID token for `email` with `aud` = the client id.
    public func mint(email: String, groups: [String] = [], subject: String? = nil, lifetime: TimeInterval? = nil, now: Date) throws -> String {
        let issuedAt = Int(now.timeIntervalSince1970)
        let claims: [String: Any] = [
            "iss": configuration.baseURL, "aud": configuration.clientID, "sub": subject ?? email, "email": email,
            "email_verified": true, "groups": groups, "iat": issuedAt, "nbf": issuedAt,
            "exp": issuedAt + Int(lifetime ?? configuration.tokenLifetime),
        ]
        let header = Base64URL.encode(Self.json(["alg": "RS256", "typ": "JWT", "kid": keyID]))
        let payload = Base64URL.encode(Self.json(claims))
        let input = Data((header + "." + payload).utf8)
        let signature = try key.signature(for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5)
        return header + "." + payload + "." + Base64URL.encode(signature.rawRepresentation)
    }

    static func json(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }
}
