import HTTPTypes
import Hummingbird
import JitsudoAPI

/// Answers a request the router found no handler for with 405 and `Allow` when its path is served with other
/// methods (`TRACE /api/v1alpha1/requests`), and leaves a true 404 alone. Added to the router after every route,
/// so it wraps only the not-found responder.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let catalog: RouteCatalog

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound || error.status == .methodNotAllowed {
            guard let allowed = catalog.allowedMethods(for: request.uri.path), !allowed.contains(request.method.rawValue) else { throw error }
            let refusal = APIError(
                status: 405, code: "method_not_allowed", number: 12,
                message: "\(request.method.rawValue.prefix(16)) is not allowed on this route; allowed: \(allowed.joined(separator: ", "))")
            var response = try HTTPJSON.response(refusal.body, status: .methodNotAllowed)
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        }
    }
}
