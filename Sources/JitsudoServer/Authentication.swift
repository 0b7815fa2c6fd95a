import JitsudoAPI
public import Logging

/// Builds the authenticator the configuration asks for.
public enum Authentication {
    /// The OIDC authenticator for `configuration` (issuer, client id, groups claim, admin groups and emails).
    public static func make(_ configuration: ServerConfiguration, logger: Logger) throws -> any CallerAuthenticator {
        RefuseAll()
    }
}

/// Refuses every token: what runs while no identity provider is wired in.
struct RefuseAll: CallerAuthenticator {
    func authenticate(authorization: String?) async throws -> Caller {
        throw APIError.unauthenticated("no identity provider is configured on this server")
    }
}
