public import Foundation
public import Logging
import NIOCore

/// The few Google Cloud REST calls jitsudo needs: Cloud Resource Manager v3 `getIamPolicy`/`setIamPolicy` (any
/// resource: `projects/…`, `folders/…`, `organizations/…`) and IAM Credentials `generateAccessToken`, authorised with
/// a cached access token from ``AccessTokenSource``. Policies are handled as ``JSONValue`` so nothing in them is lost.
/// 429, 5xx and unanswered calls are retried with backoff (``RetryPolicy``); a 401 fetches a new token once.
public struct GoogleCloudClient: Sendable {
    /// Endpoints, identity and retry behaviour.
    public struct Configuration: Sendable {
        /// Cloud Resource Manager, without a trailing slash.
        public var resourceManagerURL = "https://cloudresourcemanager.googleapis.com"
        /// IAM Credentials, without a trailing slash.
        public var iamCredentialsURL = "https://iamcredentials.googleapis.com"
        /// Who the client is.
        public var credentials: AccessTokenSource.Credentials
        /// OAuth scopes of the client's own token.
        public var scopes = ["https://www.googleapis.com/auth/cloud-platform"]
        /// Retries of 429, 5xx and unanswered calls.
        public var retry = RetryPolicy()
        /// A token is replaced once no more than this is left of it (seconds).
        public var tokenRefreshMargin: TimeInterval = 300
        /// The limit of one HTTP exchange.
        public var requestTimeout: Duration = .seconds(30)

        public init(credentials: AccessTokenSource.Credentials) { self.credentials = credentials }
    }

    public let configuration: Configuration
    /// The client's token cache (shared by copies of this client).
    public let tokens: AccessTokenSource
    let transport: HTTPTransport
    let logger: Logger

    /// - Parameter onRetry: told of every retry of a transient failure (for a metric).
    public init(configuration: Configuration, logger: Logger, onRetry: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.configuration = configuration
        self.logger = logger
        let nanoseconds =
            configuration.requestTimeout.components.seconds * 1_000_000_000
            + configuration.requestTimeout.components.attoseconds / 1_000_000_000
        transport = HTTPTransport(retry: configuration.retry, timeout: .nanoseconds(nanoseconds), onRetry: onRetry)
        tokens = AccessTokenSource(
            credentials: configuration.credentials, scopes: configuration.scopes,
            refreshMargin: configuration.tokenRefreshMargin, transport: transport)
    }

    /// The IAM policy of `resource` (`projects/my-project`), asking for version 3 so conditional bindings come back
    /// whole. The answer carries the `etag` to send back with ``setIamPolicy(resource:policy:)``.
    public func getIamPolicy(resource: String) async throws(GoogleCloudError) -> JSONValue {
        let body: JSONValue = .object([.init("options", .object([.init("requestedPolicyVersion", .integer(3))]))])
        return try await call(configuration.resourceManagerURL + "/v3/" + Self.escapePath(resource) + ":getIamPolicy", body: body)
    }

    /// Writes `policy` (as read, then edited, its `etag` kept) to `resource`.
    ///
    /// - Throws: ``GoogleCloudError`` `aborted` when the policy changed since it was read: read, edit and write again.
    public func setIamPolicy(resource: String, policy: JSONValue) async throws(GoogleCloudError) -> JSONValue {
        let body: JSONValue = .object([.init("policy", policy)])
        return try await call(configuration.resourceManagerURL + "/v3/" + Self.escapePath(resource) + ":setIamPolicy", body: body)
    }

    /// A short-lived access token of `serviceAccount` (an e-mail), for `scopes`, lasting `lifetimeSeconds` (Google
    /// allows 1…3600 unless an organisation policy extends it).
    public func generateAccessToken(serviceAccount: String, scopes: [String], lifetimeSeconds: Int) async throws(GoogleCloudError)
        -> AccessToken
    {
        let body: JSONValue = .object([
            .init("scope", .array(scopes.map(JSONValue.string))), .init("lifetime", .string("\(lifetimeSeconds)s")),
        ])
        let url = configuration.iamCredentialsURL + "/v1/projects/-/serviceAccounts/" + Self.escapePath(serviceAccount) + ":generateAccessToken"
        let answer = try await call(url, body: body)
        guard let token = answer["accessToken"]?.stringValue, !token.isEmpty,
            let expiry = answer["expireTime"]?.stringValue, let expiresAt = Self.parseTimestamp(expiry)
        else { throw GoogleCloudError(.malformedResponse, "generateAccessToken answered without accessToken or a valid expireTime") }
        return AccessToken(value: token, expiresAt: expiresAt)
    }

    /// POSTs `body` with the client's token; a 401 drops the cached token and tries once more with a new one.
    func call(_ url: String, body: JSONValue) async throws(GoogleCloudError) -> JSONValue {
        var renewed = false
        while true {
            let token = try await tokens.token()
            let response = try await transport.send(
                method: "POST", url: url,
                headers: [("Authorization", "Bearer " + token.value), ("Content-Type", "application/json"), ("Accept", "application/json")],
                body: Array(body.text.utf8))
            if response.status == 401, !renewed {
                await tokens.invalidate()
                renewed = true
                continue
            }
            guard (200..<300).contains(response.status) else {
                let error = GoogleCloudError.fromResponse(status: response.status, body: response.body)
                logger.debug(
                    "google cloud call failed",
                    metadata: [
                        "gcp.host": "\(HTTPTransport.hostOf(url))", "http.status": "\(response.status)", "gcp.code": "\(error.code)",
                    ])
                throw error
            }
            return try JSONValue.parse(response.body)
        }
    }

    /// `resource` with each segment percent-encoded (the `/` between segments kept).
    static func escapePath(_ resource: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~@")
        return resource.split(separator: "/", omittingEmptySubsequences: false)
            .map { String($0).addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
            .joined(separator: "/")
    }

    /// An RFC 3339 timestamp as Google writes them (`2026-03-20T16:00:00Z`, with or without fractional seconds).
    public static func parseTimestamp(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
