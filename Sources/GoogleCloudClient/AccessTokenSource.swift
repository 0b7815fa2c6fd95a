public import Foundation

/// Where this client's own access token comes from, and the cache in front of it: one token is shared by every call
/// and replaced before it expires; concurrent callers that find it stale wait for one exchange together.
public actor AccessTokenSource {
    /// The identity the client acts as.
    public enum Credentials: Sendable, CustomStringConvertible {
        /// A service-account key: an RS256 JWT-bearer assertion exchanged at `tokenURL`.
        case serviceAccountKey(ServiceAccountKey, tokenURL: String)
        /// The metadata server (GKE Workload Identity, Compute Engine): `host` is `metadata.google.internal` or the
        /// value of `GCE_METADATA_HOST` (`127.0.0.1:8080`), reached over plain HTTP.
        case metadataServer(host: String)

        public var description: String {
            switch self {
            case .serviceAccountKey(let key, let tokenURL): "\(key) via \(tokenURL)"
            case .metadataServer(let host): "metadata server \(host)"
            }
        }
    }

    public nonisolated let credentials: Credentials
    public nonisolated let scopes: [String]
    /// A token is replaced once no more than this is left of it.
    public nonisolated let refreshMargin: TimeInterval
    private let transport: HTTPTransport
    private var cached: AccessToken?
    private var pending: Task<AccessToken, any Error>?
    /// Tokens obtained so far (a cache hit does not count).
    public private(set) var exchanges = 0

    init(credentials: Credentials, scopes: [String], refreshMargin: TimeInterval, transport: HTTPTransport) {
        self.credentials = credentials
        self.scopes = scopes
        self.refreshMargin = refreshMargin
        self.transport = transport
    }

    /// A token with more than ``refreshMargin`` left at `now`.
    public func token(now: Date = Date()) async throws(GoogleCloudError) -> AccessToken {
        if let cached, !cached.needsRefresh(at: now, margin: refreshMargin) { return cached }
        let task: Task<AccessToken, any Error>
        if let pending {
            task = pending
        } else {
            let credentials = credentials, scopes = scopes, transport = transport
            // Unstructured on purpose (single flight): concurrent callers share this exchange, and one caller's
            // cancellation must not cancel the exchange the others wait for.
            task = Task { try await Self.exchange(credentials, scopes: scopes, transport: transport) }
            pending = task
        }
        do {
            let token = try await task.value
            if pending == task {
                pending = nil
                cached = token
                exchanges += 1
            }
            return token
        } catch {
            if pending == task { pending = nil }
            throw (error as? GoogleCloudError) ?? GoogleCloudError(.credentials, "cannot obtain an access token")
        }
    }

    /// Forgets the cached token (after a 401, the token was revoked or the clock is off).
    public func invalidate() { cached = nil }

    private static func exchange(_ credentials: Credentials, scopes: [String], transport: HTTPTransport) async throws -> AccessToken {
        switch credentials {
        case .serviceAccountKey(let key, let tokenURL):
            let assertion = try await key.assertion(audience: ServiceAccountKey.tokenAudience, scopes: scopes, now: Date())
            let form = "grant_type=" + formEncode("urn:ietf:params:oauth:grant-type:jwt-bearer") + "&assertion=" + formEncode(assertion)
            let response = try await transport.send(
                method: "POST", url: tokenURL, headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(form.utf8))
            guard (200..<300).contains(response.status) else {
                let error = GoogleCloudError.fromResponse(status: response.status, body: response.body)
                throw GoogleCloudError(
                    error.isTransient ? error.code : .credentials,
                    "the token endpoint refused the service-account assertion: \(error.message)", status: response.status)
            }
            return try AccessToken.fromTokenResponse(response.body, receivedAt: Date())
        case .metadataServer(let host):
            var url = "http://\(host)/computeMetadata/v1/instance/service-accounts/default/token"
            if !scopes.isEmpty { url += "?scopes=" + formEncode(scopes.joined(separator: ",")) }
            let response = try await transport.send(method: "GET", url: url, headers: [("Metadata-Flavor", "Google")], body: nil)
            guard (200..<300).contains(response.status) else {
                let error = GoogleCloudError.fromResponse(status: response.status, body: response.body)
                throw GoogleCloudError(
                    error.isTransient ? error.code : .credentials,
                    "the metadata server gave no token: \(error.message)", status: response.status)
            }
            return try AccessToken.fromTokenResponse(response.body, receivedAt: Date())
        }
    }

    /// `application/x-www-form-urlencoded` value encoding.
    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
