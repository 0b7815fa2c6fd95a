import HTTPTypes
import Hummingbird

/// Security headers on every response, errors and refusals included. A handler that sets one of them (a web
/// page with its own Content-Security-Policy) keeps its own value.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = APIContext
    /// `Strict-Transport-Security` only when the server speaks TLS.
    let tls: Bool

    static let headers: [(HTTPField.Name, String)] = [
        (.xContentTypeOptions, "nosniff"),
        (.cacheControl, "no-store"),
        (.xFrameOptions, "DENY"),
        (.contentSecurityPolicy, "default-src 'none'; frame-ancestors 'none'"),
        (.referrerPolicy, "no-referrer"),
        (.crossOriginResourcePolicy, "same-origin"),
    ]

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        for (name, value) in Self.headers where response.headers[name] == nil { response.headers[name] = value }
        if tls, response.headers[.strictTransportSecurity] == nil { response.headers[.strictTransportSecurity] = "max-age=31536000" }
        return response
    }
}

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
