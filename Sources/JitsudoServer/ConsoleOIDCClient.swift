import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// The console's side of the OIDC authorization-code flow with PKCE (RFC 7636, `S256`): the authorization URL to
/// send the browser to, and the code exchange at the token endpoint. The ID token it returns is verified like any
/// API bearer token (issuer, audience = `oidc.client_id`, signature, expiry) by the server's authenticator.
struct ConsoleOIDCClient: Sendable {
    let issuer: String
    let discoveryURL: String
    let clientID: String
    /// Sent as `client_secret` (client_secret_post) when not empty.
    let clientSecret: String
    let client: HTTPClient

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    struct Endpoints: Sendable {
        var authorization: String
        var token: String
    }

    /// The issuer's authorization and token endpoints, from its discovery document.
    func endpoints() async throws -> Endpoints {
        let url =
            discoveryURL.isEmpty ? (issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer) + "/.well-known/openid-configuration" : discoveryURL
        let document = try await json(HTTPClientRequest(url: url), what: "discovery document")
        guard let authorization = document["authorization_endpoint"] as? String, let token = document["token_endpoint"] as? String,
            authorization.hasPrefix("http"), token.hasPrefix("http")
        else { throw Failure("the identity provider's discovery document names no authorization_endpoint and token_endpoint") }
        return Endpoints(authorization: authorization, token: token)
    }

    /// Where to send the browser: the authorization endpoint with the code flow's parameters.
    static func authorizationURL(
        _ endpoint: String, clientID: String, redirectURI: String, state: String, codeVerifier: String, nonce: String
    ) -> String {
        let parameters = [
            ("response_type", "code"), ("client_id", clientID), ("redirect_uri", redirectURI), ("scope", "openid email profile"),
            ("state", state), ("nonce", nonce), ("code_challenge", codeChallenge(codeVerifier)), ("code_challenge_method", "S256"),
        ]
        let query = parameters.map { "\($0.0)=\(URLEncodedForm.encode($0.1))" }.joined(separator: "&")
        return endpoint + (endpoint.contains("?") ? "&" : "?") + query
    }

    /// `BASE64URL(SHA256(verifier))`.
    static func codeChallenge(_ verifier: String) -> String {
        ConsoleSecurity.base64URL(Array(SHA256.hash(data: Array(verifier.utf8))))
    }

    /// Exchanges `code` for the ID token (`grant_type=authorization_code` with the PKCE verifier).
    func exchange(code: String, redirectURI: String, codeVerifier: String, at tokenEndpoint: String) async throws -> String {
        var request = HTTPClientRequest(url: tokenEndpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        var form = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("client_id", clientID),
            ("code_verifier", codeVerifier),
        ]
        if !clientSecret.isEmpty { form.append(("client_secret", clientSecret)) }
        request.body = .bytes(ByteBuffer(string: form.map { "\($0.0)=\(URLEncodedForm.encode($0.1))" }.joined(separator: "&")))
        let reply = try await json(request, what: "token endpoint")
        guard let idToken = reply["id_token"] as? String, !idToken.isEmpty else {
            let error = (reply["error"] as? String).map { ": \($0.prefix(80))" } ?? ""
            throw Failure("the identity provider returned no ID token\(error)")
        }
        return idToken
    }

    private func json(_ request: HTTPClientRequest, what: String) async throws -> [String: Any] {
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(10))
        } catch {
            throw Failure("the identity provider's \(what) could not be reached: \(error)")
        }
        let body = try await response.body.collect(upTo: 1 << 20)
        guard let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw Failure("the identity provider's \(what) answered HTTP \(response.status.code) without a JSON object")
        }
        guard (200..<300).contains(response.status.code) else {
            throw Failure("the identity provider's \(what) answered HTTP \(response.status.code): \((object["error"] as? String ?? "").prefix(80))")
        }
        return object
    }
}
