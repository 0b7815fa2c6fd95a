import Foundation
import NIOHTTP1
import BoundedJSON

/// The OAuth 2.0 device authorization grant (RFC 8628) against an OIDC issuer, and the refresh grant.
struct DeviceFlow: Sendable {
    let issuer: String
    let clientID: String
    let client: APIClient

    static let scopes = "openid email profile groups offline_access"

    struct Discovery: Decodable, Sendable {
        var deviceAuthorizationEndpoint: String?
        var tokenEndpoint: String
        enum CodingKeys: String, CodingKey {
            case deviceAuthorizationEndpoint = "device_authorization_endpoint"
            case tokenEndpoint = "token_endpoint"
        }
    }

    struct Authorization: Decodable, Sendable {
        var deviceCode: String
        var userCode: String
        var verificationURI: String?
        var verificationURIComplete: String?
        var expiresIn: Int?
        var interval: Int?
        enum CodingKeys: String, CodingKey {
            case deviceCode = "device_code", userCode = "user_code", verificationURI = "verification_uri"
            case verificationURIComplete = "verification_uri_complete", expiresIn = "expires_in", interval
        }
    }

    struct TokenResponse: Decodable, Sendable {
        var idToken: String?
        var accessToken: String?
        var refreshToken: String?
        var expiresIn: Int?
        var error: String?
        var errorDescription: String?
        enum CodingKeys: String, CodingKey {
            case idToken = "id_token", accessToken = "access_token", refreshToken = "refresh_token", expiresIn = "expires_in"
            case error, errorDescription = "error_description"
        }
    }

    func discover() async throws -> Discovery {
        let base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        let url = base + "/.well-known/openid-configuration"
        let response = try await client.raw(.GET, "", authenticated: false, absoluteURL: url)
        guard response.status == 200, let discovery = try? JSONDecoder().decodeBounded(Discovery.self, from: response.body) else {
            throw CLIError("the identity provider at \(issuer) has no usable discovery document (HTTP \(response.status)) — check --provider")
        }
        return discovery
    }

    /// Starts the device login; `loginHint` (OIDC `login_hint`) names the account to log in as.
    func authorize(_ discovery: Discovery, loginHint: String? = nil) async throws -> Authorization {
        guard let endpoint = discovery.deviceAuthorizationEndpoint else {
            throw CLIError("the identity provider at \(issuer) does not support the device authorization grant — ask your IdP admin to enable it")
        }
        var fields = ["client_id": clientID, "scope": Self.scopes]
        if let loginHint { fields["login_hint"] = loginHint }
        let response = try await postForm(endpoint, fields)
        guard response.status == 200, let authorization = try? JSONDecoder().decodeBounded(Authorization.self, from: response.body) else {
            let detail = (try? JSONDecoder().decodeBounded(TokenResponse.self, from: response.body)).flatMap { $0.errorDescription ?? $0.error }
            let reason = detail.map { ": \($0)" } ?? ""
            throw CLIError("the identity provider refused the device authorization (HTTP \(response.status)\(reason)) — check --client-id")
        }
        return authorization
    }

    /// Polls the token endpoint until the user approves, honouring `interval`, `slow_down` and `expired_token`.
    func poll(_ discovery: Discovery, _ authorization: Authorization, tick: @Sendable () -> Void) async throws -> TokenResponse {
        var interval = max(authorization.interval ?? 5, 1)
        let deadline = Date().addingTimeInterval(Double(authorization.expiresIn ?? 900))
        while Date() < deadline {
            for _ in 0..<(interval * 4) {
                try await Task.sleep(for: .milliseconds(250))
                tick()
            }
            let response = try await postForm(
                discovery.tokenEndpoint,
                ["grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": authorization.deviceCode, "client_id": clientID]
            )
            let token = try? JSONDecoder().decodeBounded(TokenResponse.self, from: response.body)
            if response.status == 200, let token, token.idToken != nil { return token }
            switch token?.error {
            case "authorization_pending": continue
            case "slow_down": interval += 5
            case "expired_token": throw CLIError("the device code expired before it was approved — run 'jitsudo login' again")
            case "access_denied": throw CLIError("the login was denied at the identity provider — run 'jitsudo login' to try again")
            default:
                let detail = token?.errorDescription ?? token?.error ?? "HTTP \(response.status)"
                throw CLIError("the identity provider refused the login: \(detail) — run 'jitsudo login' to try again")
            }
        }
        throw CLIError("the device code expired before it was approved — run 'jitsudo login' again")
    }

    func postForm(_ url: String, _ fields: [String: String]) async throws -> APIClient.Response {
        let body = fields.sorted { $0.key < $1.key }.map { "\(APIClient.encode($0.key))=\(APIClient.encode($0.value))" }.joined(separator: "&")
        return try await client.raw(
            .POST, "", body: Data(body.utf8), contentType: "application/x-www-form-urlencoded", authenticated: false, absoluteURL: url
        )
    }

    /// Exchanges the stored refresh token for a new ID token; nil fields keep their old values.
    static func refresh(_ credentials: Credentials, tls: APIClient.TLSMaterial, debug: Bool) async throws -> Credentials {
        guard let issuer = credentials.issuer, let refreshToken = credentials.refreshToken else { throw CLIError.notAuthenticated }
        let placeholder = try ServerAddress(issuer)
        let client = try APIClient(server: placeholder, token: nil, debug: debug, tls: tls)
        do {
            let updated = try await refresh(credentials, issuer: issuer, refreshToken: refreshToken, client: client)
            await client.shutdown()
            return updated
        } catch {
            await client.shutdown()
            throw error
        }
    }

    private static func refresh(_ credentials: Credentials, issuer: String, refreshToken: String, client: APIClient) async throws -> Credentials {
        let flow = DeviceFlow(issuer: issuer, clientID: credentials.clientID ?? "jitsudo-cli", client: client)
        let discovery = try await flow.discover()
        let response = try await flow.postForm(
            discovery.tokenEndpoint, ["grant_type": "refresh_token", "refresh_token": refreshToken, "client_id": flow.clientID]
        )
        guard response.status == 200, let token = try? JSONDecoder().decodeBounded(TokenResponse.self, from: response.body),
            let idToken = token.idToken
        else { throw CLIError.loginExpired(credentials.expiresAt ?? "an unknown time") }
        var updated = credentials
        updated.token = idToken
        updated.refreshToken = token.refreshToken ?? refreshToken
        let claims = TokenClaims(idToken)
        updated.expiresAt = (claims.expiry ?? token.expiresIn.map { Date().addingTimeInterval(Double($0)) }).map(Timestamps.utc)
        if let email = claims.email { updated.email = email }
        return updated
    }
}

/// The unverified claims of a JWT the CLI needs for display and expiry (`email`, `exp`). The server verifies tokens.
struct TokenClaims: Sendable {
    var email: String?
    var expiry: Date?
    var groups: [String] = []

    init(_ jwt: String) {
        let parts = jwt.split(separator: ".")
        guard parts.count >= 2 else { return }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { return }
        email = object["email"] as? String
        if let exp = object["exp"] as? NSNumber { expiry = Date(timeIntervalSince1970: exp.doubleValue) }
        groups = object["groups"] as? [String] ?? []
    }
}
