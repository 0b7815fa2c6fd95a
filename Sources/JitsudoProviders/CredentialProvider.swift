public import JitsudoCore

/// A cloud (or test) backend that can grant and revoke a role for a bounded time.
///
/// `grant` and `revoke` are idempotent and keyed by the request id: calling either twice for the same
/// request has the effect of calling it once. Implementations never log credentials.
public protocol CredentialProvider: Sendable {
    /// The provider name requests use (`aws`, `gcp`, `azure`, `kubernetes`, `mock`).
    var name: String { get }
    /// Checks role, scope and duration before a request is stored.
    ///
    /// - Throws: ``ProviderError`` `invalidRequest` with a message naming the field.
    func validate(_ request: GrantRequest) throws(ProviderError)
    /// Issues the grant and returns the credentials to hand to the requester.
    func grant(_ request: GrantRequest) async throws(ProviderError) -> IssuedGrant
    /// Revokes the grant of `requestID`; an unknown or already revoked grant is success.
    func revoke(requestID: String, revokeToken: String?) async throws(ProviderError)
    /// Moves the end of the ACTIVE grant of `request.requestID` to `request.notAfter` (its `durationSeconds` is the
    /// grant's new total). Idempotent. Returns new credentials when the old ones cannot outlive the old end, else nil.
    func extend(_ request: GrantRequest, revokeToken: String?) async throws(ProviderError) -> IssuedGrant?
    /// Fresh credentials within an ACTIVE grant's window, for providers whose credentials are sessions shorter than
    /// the grant (an STS session, an access token): `request.durationSeconds` is the time left, `request.notAfter`
    /// the grant's end, `current` the stored credentials. nil means the stored credentials are still the ones to use.
    func refreshCredentials(_ request: GrantRequest, current: [String: String]) async throws(ProviderError) -> [String: String]?
    /// Whether the object `revokeToken` names can be held by several grants at once (one AWS Identity Center assignment
    /// serves every grant of the same user, permission set and account). Such an object is revoked only when no other
    /// ACTIVE grant holds it: revoking one grant must not end another's access.
    func sharesObject(revokeToken: String) -> Bool
    /// A one-line description for status pages.
    var summary: String { get }
}

extension CredentialProvider {
    /// Providers whose grant is keyed by the request id and carries no end of its own grant again (idempotent).
    public func extend(_ request: GrantRequest, revokeToken: String?) async throws(ProviderError) -> IssuedGrant? {
        _ = try await grant(request)
        return nil
    }

    /// Every grant owns its object (keyed by the request id).
    public func sharesObject(revokeToken: String) -> Bool { false }

    /// Credentials that last the whole grant: nothing to refresh.
    public func refreshCredentials(_ request: GrantRequest, current: [String: String]) async throws(ProviderError) -> [String: String]? {
        nil
    }
}

/// What a provider is asked to grant.
public struct GrantRequest: Sendable, Hashable {
    public var requestID: String
    public var requesterIdentity: String
    public var role: String
    public var resourceScope: String
    public var durationSeconds: Int64
    public var metadata: [String: String]
    /// The grant's absolute end when it is already known (extend, refresh); nil when a grant is first issued.
    public var notAfter: AuditTimestamp?

    public init(
        requestID: String, requesterIdentity: String, role: String, resourceScope: String, durationSeconds: Int64,
        metadata: [String: String], notAfter: AuditTimestamp? = nil
    ) {
        self.requestID = requestID
        self.requesterIdentity = requesterIdentity
        self.role = role
        self.resourceScope = resourceScope
        self.durationSeconds = durationSeconds
        self.metadata = metadata
        self.notAfter = notAfter
    }
}

/// What a provider issued.
public struct IssuedGrant: Sendable, Hashable {
    /// Environment variables for the requester's subprocess (`api.md` §4.2 names).
    public var credentials: [String: String]
    /// Seconds the grant lasts; providers may shorten the requested duration to their maximum.
    public var durationSeconds: Int64
    /// Opaque handle the provider needs to revoke.
    public var revokeToken: String

    public init(credentials: [String: String], durationSeconds: Int64, revokeToken: String) {
        self.credentials = credentials
        self.durationSeconds = durationSeconds
        self.revokeToken = revokeToken
    }
}

/// A provider failure: the message is safe to show and never contains credentials.
public struct ProviderError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case invalidRequest
        case refused
        case unavailable
    }
    public let code: Code
    public let message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { message }
}
