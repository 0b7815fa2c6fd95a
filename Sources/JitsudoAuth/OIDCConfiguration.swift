public import Foundation

/// What ``OIDCVerifier`` accepts, with the defaults of API spec §2.
public struct OIDCConfiguration: Sendable {
    /// Asymmetric algorithms this implementation can verify; nothing else is ever accepted.
    public static let supportedAlgorithms: Set<String> = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]

    /// The expected `iss`, e.g. `https://accounts.example.com`.
    public var issuer: String
    /// Where to read the discovery document; default `<issuer>/.well-known/openid-configuration`.
    /// The tokens must still carry ``issuer``.
    public var discoveryURL: String?
    /// The client id `aud` must contain. Default `jitsudo-cli`.
    public var clientID: String
    /// The claim holding group names. Default `groups`.
    public var groupsClaim: String
    /// Clock skew tolerated for `exp`, `nbf` and `iat`. Default 60 s.
    public var leeway: TimeInterval
    /// Algorithms accepted; intersected with ``supportedAlgorithms`` and with what the issuer publishes.
    public var allowedAlgorithms: Set<String>
    /// Keys older than this are re-fetched on the next verification. Default 1 h.
    public var jwksRefreshInterval: TimeInterval
    /// Minimum time between two fetches triggered by an unknown key or a failed fetch. Default 10 s.
    public var minimumRefetchInterval: TimeInterval
    /// Tokens longer than this are refused before parsing. Default 16 KiB.
    public var maximumTokenLength: Int
    /// Timeout of one HTTP fetch from the issuer. Default 10 s.
    public var fetchTimeout: TimeInterval

    public init(
        issuer: String,
        discoveryURL: String? = nil,
        clientID: String = "jitsudo-cli",
        groupsClaim: String = "groups",
        leeway: TimeInterval = 60,
        allowedAlgorithms: Set<String> = OIDCConfiguration.supportedAlgorithms,
        jwksRefreshInterval: TimeInterval = 3600,
        minimumRefetchInterval: TimeInterval = 10,
        maximumTokenLength: Int = 16 * 1024,
        fetchTimeout: TimeInterval = 10
    ) {
        self.issuer = issuer
        self.discoveryURL = discoveryURL
        self.clientID = clientID
        self.groupsClaim = groupsClaim
        self.leeway = leeway
        self.allowedAlgorithms = allowedAlgorithms
        self.jwksRefreshInterval = jwksRefreshInterval
        self.minimumRefetchInterval = minimumRefetchInterval
        self.maximumTokenLength = maximumTokenLength
        self.fetchTimeout = fetchTimeout
    }

    /// The discovery document's URL.
    public var effectiveDiscoveryURL: String {
        if let discoveryURL { return discoveryURL }
        let base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        return base + "/.well-known/openid-configuration"
    }
}
