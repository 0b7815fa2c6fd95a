import AsyncHTTPClient
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import JitsudoAuth
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

/// Starts `python3 -m oidc_provider_mock` on a free 127.0.0.1 port, waits (bounded) until it answers, runs
/// `body`, then terminates it. Fails with instructions when the package is not installed.
func withProviderMock(_ body: (String, HTTPClient) async throws -> Void) async throws {
    let check = Process()
    check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    check.arguments = ["python3", "-c", "import oidc_provider_mock"]
    check.standardOutput = FileHandle.nullDevice
    check.standardError = FileHandle.nullDevice
    try check.run()
    check.waitUntilExit()
    guard check.terminationStatus == 0 else {
        Issue.record(
            "oidc-provider-mock (PyPI) is not installed: run `make test`, which installs it (pip install oidc-provider-mock)"
        )
        return
    }
    let port = try await freeLoopbackPort()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", String(port)]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    defer {
        // uvicorn does not exit on SIGTERM while it drains; the mock holds no state worth a graceful stop.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
    let baseURL = "http://127.0.0.1:\(port)"
    do {
        var ready = false
        for _ in 0..<150 where !ready {
            if let response = try? await client.execute(
                HTTPClientRequest(url: baseURL + "/.well-known/openid-configuration"), timeout: .seconds(2)
            ), response.status.code == 200 {
                ready = true
            } else {
                guard process.isRunning else { break }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        guard ready else { throw TestServerError(message: "oidc-provider-mock did not answer within 15 s on port \(port)") }
        try await body(baseURL, client)
    } catch {
        try? await client.shutdown()
        throw error
    }
    try await client.shutdown()
}

/// A port that was free a moment ago on 127.0.0.1.
func freeLoopbackPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress?.port ?? 0
    try await channel.close()
    return port
}
