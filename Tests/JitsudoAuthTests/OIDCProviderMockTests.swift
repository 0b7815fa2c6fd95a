import AsyncHTTPClient
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import JitsudoAuth
import JitsudoServerTesting
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

/// Verifies ID tokens issued by a real third-party issuer: `oidc-provider-mock` from PyPI (RS256; its tokens
/// carry no `kid`). `make test` installs it through `scripts/ensure-deps.sh`.
@Suite(.serialized) struct OIDCProviderMockTests {
    @Test func tokenFromOIDCProviderMockIsVerified() async throws {
        try await withProviderMock { baseURL, client in
            let token = try await Self.idToken(
                baseURL: baseURL, client: client, subject: "alice",
                claims: ["email": "alice@example.com", "groups": ["dev", "jitsudo-admins"]]
            )
            let verifier = OIDCVerifier(configuration: OIDCConfiguration(issuer: baseURL), httpClient: client, logger: Logger(label: "test"))
            let identity = try await verifier.verify(authorizationHeader: "Bearer " + token, now: Date())
            #expect(identity.email == "alice@example.com")
            #expect(identity.subject == "alice")
            #expect(identity.groups == ["dev", "jitsudo-admins"])
            #expect(identity.issuer == baseURL)

            let otherClient = OIDCVerifier(
                configuration: OIDCConfiguration(issuer: baseURL, clientID: "someone-else"), httpClient: client, logger: Logger(label: "test")
            )
            await #expect(throws: AuthError(.wrongAudience, "")) { try await otherClient.verify(bearerToken: token, now: Date()) }
            await #expect(throws: AuthError(.expired, "")) {
                try await verifier.verify(bearerToken: token, now: Date().addingTimeInterval(3600 + 120))
            }
            let parts = token.split(separator: ".").map(String.init)
            let forged = TokenFactory.b64(
                TokenFactory.json([
                    "iss": baseURL, "aud": "jitsudo-cli", "sub": "alice",
                    "email": "mallory@example.com", "exp": Int(Date().timeIntervalSince1970) + 600,
                ]))
            await #expect(throws: AuthError(.invalidSignature, "")) {
                try await verifier.verify(bearerToken: [parts[0], forged, parts[2]].joined(separator: "."), now: Date())
            }
        }
    }

    @Test func userWithoutEmailFromOIDCProviderMockIsRefused() async throws {
        try await withProviderMock { baseURL, client in
            let token = try await Self.idToken(baseURL: baseURL, client: client, subject: "robot", claims: ["email": ""])
            let verifier = OIDCVerifier(configuration: OIDCConfiguration(issuer: baseURL), httpClient: client, logger: Logger(label: "test"))
            await #expect(throws: AuthError(.missingEmail, "")) { try await verifier.verify(bearerToken: token, now: Date()) }
        }
    }

    /// Logs `subject` in through the mock's authorization-code flow (scripted form post) and returns the ID token.
    static func idToken(baseURL: String, client: HTTPClient, subject: String, claims: [String: Any]) async throws -> String {
        var put = HTTPClientRequest(url: baseURL + "/users/" + subject)
        put.method = .PUT
        put.headers.add(name: "Content-Type", value: "application/json")
        put.body = .bytes(ByteBuffer(bytes: Array(TokenFactory.json(claims))))
        let stored = try await client.execute(put, timeout: .seconds(10))
        guard stored.status.code / 100 == 2 else { throw TestServerError(message: "PUT /users failed: \(stored.status)") }

        let redirect = "http://127.0.0.1/callback"
        var authorize = HTTPClientRequest(
            url: baseURL + "/oauth2/authorize?client_id=jitsudo-cli&response_type=code&scope=openid%20email&state=s1&redirect_uri="
                + redirect.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        )
        authorize.method = .POST
        authorize.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        authorize.body = .bytes(ByteBuffer(string: "sub=" + subject))
        let authorized = try await client.execute(authorize, timeout: .seconds(10))
        guard authorized.status.code == 302, let location = authorized.headers.first(name: "Location"),
            let code = URLComponents(string: location)?.queryItems?.first(where: { $0.name == "code" })?.value
        else { throw TestServerError(message: "authorization did not redirect with a code: \(authorized.status)") }

        var exchange = HTTPClientRequest(url: baseURL + "/oauth2/token")
        exchange.method = .POST
        exchange.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let form =
            "grant_type=authorization_code&client_id=jitsudo-cli&client_secret=unused&code=\(code)&redirect_uri="
            + redirect.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        exchange.body = .bytes(ByteBuffer(string: form))
        let response = try await client.execute(exchange, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status.code == 200,
            let json = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let idToken = json["id_token"] as? String
        else { throw TestServerError(message: "token exchange failed: \(response.status)") }
        return idToken
    }
}

/// Runs `body` against `oidc-provider-mock` on a free loopback port, then stops it.
func withProviderMock(_ body: (String, HTTPClient) async throws -> Void) async throws {
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
    do {
        let mock = try await OIDCProviderMockProcess.start(client: client)
        defer { mock.stop() }
        try await body(mock.baseURL, client)
    } catch {
        try? await client.shutdown()
        throw error
    }
    try await client.shutdown()
}
