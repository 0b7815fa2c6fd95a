import AsyncHTTPClient
import Foundation
import JitsudoStore
import JitsudoServerTesting
import JitsudoTesting
import LocalPostgres
import NIOCore
import NIOHTTP1

/// `oidc-provider-mock` (PyPI, installed by scripts/ensure-deps.sh) on a free loopback port: the issuer of the
/// console tests, and a browser's view of it (its authorization form, posted with a subject).
struct ProviderMock: Sendable {
    let baseURL: String
    /// Never follows redirects: each hop is checked.
    let client: HTTPClient

    static func with<T: Sendable>(_ body: (ProviderMock) async throws -> T) async throws -> T {
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        let result: Result<T, any Error>
        do {
            let process = try await OIDCProviderMockProcess.start(client: client)
            defer { process.stop() }
            result = .success(try await body(ProviderMock(baseURL: process.baseURL, client: client)))
        } catch {
            result = .failure(error)
        }
        try await client.shutdown()
        return try result.get()
    }

    /// Stores the claims of `subject` (the e-mail and groups its tokens carry).
    func register(_ subject: String, email: String, groups: [String]) async throws {
        var put = HTTPClientRequest(url: baseURL + "/users/" + subject)
        put.method = .PUT
        put.headers.add(name: "Content-Type", value: "application/json")
        put.body = .bytes(ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: ["email": email, "groups": groups]))))
        let stored = try await client.execute(put, timeout: .seconds(10))
        guard stored.status.code / 100 == 2 else { throw TestSupportError("PUT /users/\(subject) failed: \(stored.status)") }
    }

    /// What a person does on the mock's authorization page: picks `subject`; returns where the browser is sent next.
    func authorize(_ authorizationURL: String, as subject: String) async throws -> String {
        var request = HTTPClientRequest(url: authorizationURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: "sub=" + subject))
        let response = try await client.execute(request, timeout: .seconds(10))
        guard response.status.code == 302, let location = response.headers.first(name: "Location") else {
            throw TestSupportError("the mock's authorization did not redirect: \(response.status)")
        }
        return location
    }
}

extension ProviderMock {
    /// An ID token for `subject` through the mock's code flow (for API calls made beside the console).
    func idToken(_ subject: String) async throws -> String {
        let redirect = "http://127.0.0.1/callback"
        let location = try await authorize(
            baseURL + "/oauth2/authorize?client_id=jitsudo-cli&response_type=code&scope=openid%20email&state=state-for-tests&redirect_uri="
                + (redirect.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""), as: subject)
        guard let code = URLComponents(string: location)?.queryItems?.first(where: { $0.name == "code" })?.value else {
            throw TestSupportError("no code in \(location)")
        }
        var exchange = HTTPClientRequest(url: baseURL + "/oauth2/token")
        exchange.method = .POST
        exchange.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        exchange.body = .bytes(
            ByteBuffer(
                string: "grant_type=authorization_code&client_id=jitsudo-cli&client_secret=unused&code=\(code)&redirect_uri="
                    + (redirect.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")))
        let response = try await client.execute(exchange, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard let json = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let token = json["id_token"] as? String
        else { throw TestSupportError("token exchange failed: \(response.status)") }
        return token
    }
}
