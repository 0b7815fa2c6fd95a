import AsyncHTTPClient
import Foundation
import Glibc
import JitsudoStore
import JitsudoServerTesting
import JitsudoTesting
import LocalPostgres
import NIOCore
import NIOHTTP1
import NIOPosix

/// `oidc-provider-mock` (PyPI, a test dependency installed by `scripts/ensure-deps.sh`) as the replicas' issuer:
/// a real third-party OIDC provider, so the test authenticates exactly as production callers do.
struct OIDCIssuer: Sendable {
    private let mock: OIDCProviderMockProcess

    var baseURL: String { mock.baseURL }
    var pid: pid_t { mock.pid }

    static func start(client: HTTPClient) async throws -> OIDCIssuer {
        OIDCIssuer(mock: try await OIDCProviderMockProcess.start(client: client))
    }

    func stop() { mock.stop() }

    /// Logs `subject` in through the mock's authorization-code flow and returns the ID token.
    func idToken(client: HTTPClient, subject: String, email: String, groups: [String]) async throws -> String {
        var put = HTTPClientRequest(url: baseURL + "/users/" + subject)
        put.method = .PUT
        put.headers.add(name: "Content-Type", value: "application/json")
        let claims = try JSONSerialization.data(withJSONObject: ["email": email, "groups": groups])
        put.body = .bytes(ByteBuffer(bytes: Array(claims)))
        let stored = try await client.execute(put, timeout: .seconds(10))
        guard stored.status.code / 100 == 2 else { throw TestSupportError("PUT /users failed: \(stored.status)") }

        let redirect = "http%3A%2F%2F127.0.0.1%2Fcallback"
        var authorize = HTTPClientRequest(
            url: baseURL + "/oauth2/authorize?client_id=jitsudo-cli&response_type=code&scope=openid%20email&state=s1&redirect_uri=" + redirect
        )
        authorize.method = .POST
        authorize.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        authorize.body = .bytes(ByteBuffer(string: "sub=" + subject))
        let authorized = try await client.execute(authorize, timeout: .seconds(10))
        guard authorized.status.code == 302, let location = authorized.headers.first(name: "Location"),
            let code = URLComponents(string: location)?.queryItems?.first(where: { $0.name == "code" })?.value
        else { throw TestSupportError("authorization did not redirect with a code: \(authorized.status)") }

        var exchange = HTTPClientRequest(url: baseURL + "/oauth2/token")
        exchange.method = .POST
        exchange.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        exchange.body = .bytes(
            ByteBuffer(
                string: "grant_type=authorization_code&client_id=jitsudo-cli&client_secret=unused&code=\(code)&redirect_uri=" + redirect
            ))
        let response = try await client.execute(exchange, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status.code == 200,
            let json = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let token = json["id_token"] as? String
        else { throw TestSupportError("token exchange failed: \(response.status)") }
        LeakCapture.recordSentinels([token])
        return token
    }
}
