import Foundation
import HTTPTypes
public import Hummingbird
import JitsudoAPI
import JitsudoCore
import JitsudoStore
import NIOCore

/// Builds the Hummingbird router of `jitsudod`: health, version, metrics, and the authenticated API.
public enum JitsudoApplication {
    /// Extra routes a mode adds (the development issuer in `jitsudod dev`).
    public typealias RouteExtension = @Sendable (Router<APIContext>) -> Void

    static func router(
        _ deps: RouteDependencies,
        authenticator: any CallerAuthenticator,
        metricsText: @escaping @Sendable () -> String,
        extend: RouteExtension?,
        limits: AbuseLimits = .ratesOff,
        tls: Bool = false
    ) -> (Router<APIContext>, [(method: String, path: String)]) {
        let router = Router(context: APIContext.self)
        let limiter = RateLimiter(limits)
        // Security headers outermost: every response has them, refusals and errors included.
        router.middlewares.add(SecurityHeadersMiddleware(tls: tls))
        // Metrics outside the error mapping, so failed requests are counted with their final status.
        router.middlewares.add(HTTPMetricsMiddleware())
        router.middlewares.add(ErrorMiddleware())
        router.middlewares.add(AddressRateLimitMiddleware(limiter: limiter))
        router.get("healthz") { _, _ in HTTPJSON.text("ok") }
        router.get("readyz") { _, _ in
            let readiness = await deps.health.readiness()
            return try HTTPJSON.response(readiness, status: readiness.status == "ok" ? .ok : .serviceUnavailable)
        }
        router.get("version") { _, _ in try HTTPJSON.response(VersionInfo(version: JitsudoVersion.current, apiVersions: ["v1alpha1"])) }
        router.get("metrics") { _, _ in HTTPJSON.text(metricsText(), contentType: "text/plain; version=0.0.4; charset=utf-8") }
        router.post("mcp") { request, context in
            // The documented Authorization header is checked first: without one the answer is 401, configured or not.
            let authorization = request.headers[.authorization]
            guard authorization?.hasPrefix("Bearer ") == true else {
                throw APIError.unauthenticated("the MCP endpoint needs Authorization: Bearer <the configured mcp.token>")
            }
            guard let mcp = deps.mcp else { throw APIError.notFound("MCP endpoint not configured") }
            guard mcp.authorizes(authorization) else {
                throw APIError.unauthenticated("the MCP endpoint needs Authorization: Bearer <the configured mcp.token>")
            }
            let body = try await HTTPJSON.body(request, context: context)
            guard body.readableBytes > 0 else { throw APIError.invalidArgument("send one JSON-RPC 2.0 message as the body") }
            let reply = await mcp.handle(String(decoding: body.readableBytesView, as: UTF8.self))
            guard let json = reply.body else { return Response(status: .accepted) }
            return try HTTPJSON.response(json, status: HTTPResponse.Status(code: reply.status))
        }
        router.get("openapi.yaml") { _, _ in HTTPJSON.text(OpenAPIDocument.yaml, contentType: "application/yaml; charset=utf-8") }
        let api = router.group("api/v1alpha1")
            .add(middleware: FailedAuthenticationLimitMiddleware(limiter: limiter))
            .add(middleware: AuthenticationMiddleware(authenticator: authenticator, principals: deps.principals))
            .add(middleware: IdentityRateLimitMiddleware(limiter: limiter))
            .add(middleware: EvaluationLimitMiddleware(gate: deps.evaluations))
        let table = RouteTable(group: api, prefix: "/api/v1alpha1")
        APIRoutes.add(to: table, deps)
        if let slack = deps.slack { SlackInteractionRoutes.add(to: router, slack) }
        if let console = deps.console { ConsoleRoutes.add(to: router, deps, console, authenticator: authenticator) }
        extend?(router)
        let operations = table.operations + unauthenticated
        // Last, so it wraps only the not-found responder: known paths with undeclared methods get 405 + Allow.
        router.middlewares.add(MethodNotAllowedMiddleware(catalog: RouteCatalog(operations)))
        return (router, operations)
    }

    /// The routes outside /api/v1alpha1, as documented.
    static let unauthenticated: [(method: String, path: String)] = [
        ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/version"), ("GET", "/metrics"), ("GET", "/openapi.yaml"), ("POST", "/mcp"),
    ]
}
