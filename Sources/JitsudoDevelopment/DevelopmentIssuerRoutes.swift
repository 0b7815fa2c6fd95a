import Foundation
import HTTPTypes
import Hummingbird
import JitsudoAPI
public import JitsudoServer
import NIOCore

/// Serves the development OIDC issuer under `/dev-oidc` in `jitsudod dev` only: discovery, JWKS, the RFC 8628
/// device flow the CLI's `login` uses, and `dev-token` for scripts and tests.
public enum DevelopmentIssuerRoutes {
    public static func routes(_ issuer: DevelopmentIssuer) -> JitsudoApplication.RouteExtension {
        { router in
            let group = router.group("dev-oidc")
            group.get(".well-known/openid-configuration") { _, _ in json(200, issuer.discoveryDocument()) }
            group.get("jwks") { _, _ in json(200, issuer.jwks()) }
            group.post("device/code") { request, context in
                let form = try await formFields(request, context)
                let result = issuer.deviceAuthorization(
                    clientID: form["client_id"] ?? "", scope: form["scope"] ?? "openid email", loginHint: form["login_hint"], now: Date())
                return json(result.status, result.json)
            }
            group.get("device") { request, _ in
                let result = issuer.verificationPageVisited(userCode: request.uri.queryParameters["user_code"].map(String.init), now: Date())
                return text(result.text, status: result.status)
            }
            group.get("authorize") { request, _ in
                var query: [String: String] = [:]
                for (name, value) in request.uri.queryParameters { query[String(name)] = String(value) }
                let result = issuer.authorizationPage(query: query)
                var headers = HTTPFields()
                headers[.contentType] = result.status == 200 ? "text/html; charset=utf-8" : "text/plain; charset=utf-8"
                headers[.cacheControl] = "no-store"
                return Response(
                    status: HTTPResponse.Status(code: result.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: result.html)))
            }
            group.post("authorize") { request, context in
                let result = issuer.authorize(fields: try await formFields(request, context), now: Date())
                guard let location = result.location else { return text(result.text, status: result.status) }
                var headers = HTTPFields()
                headers[.location] = location
                headers[.cacheControl] = "no-store"
                return Response(status: .found, headers: headers)
            }
            group.post("token") { request, context in
                let result = issuer.token(formFields: try await formFields(request, context), now: Date())
                return json(result.status, result.json)
            }
            group.get("dev-token") { request, _ in
                let parameters = request.uri.queryParameters
                guard let email = parameters["email"].map(String.init), !email.isEmpty else {
                    throw APIError.invalidArgument("email is required: /dev-oidc/dev-token?email=alice@example.com&groups=sre")
                }
                let groups = parameters["groups"].map { $0.split(separator: ",").map(String.init) } ?? []
                let token = try issuer.mint(email: email, groups: groups, now: Date())
                return json(
                    200, try JSONSerialization.data(withJSONObject: ["id_token": token, "expires_in": "\(Int(issuer.configuration.tokenLifetime))"]))
            }
        }
    }

    static func text(_ text: String, status: Int) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(_ status: Int, _ data: Data) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `application/x-www-form-urlencoded` fields (RFC 8628 and RFC 6749 token requests).
    static func formFields(_ request: Request, _ context: APIContext) async throws -> [String: String] {
        var request = request
        let buffer = try await request.collectBody(upTo: 64 * 1024)
        var fields: [String: String] = [:]
        for pair in String(buffer: buffer).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if let key = parts.first { fields[key] = parts.count > 1 ? parts[1] : "" }
        }
        return fields
    }
}
