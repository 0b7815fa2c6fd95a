import HTTPTypes
import Hummingbird
import JitsudoAPI

/// 429 with `Retry-After` (RFC 6585) when a rate limit of ``RateLimiter`` is spent.
enum RateLimitRefusal {
    static func response(_ limit: RateLimiter.Limit, retryAfter seconds: Int) throws -> Response {
        let what: String
        switch limit {
        case .identity: what = "too many requests from this identity"
        case .address: what = "too many requests from this address"
        case .failedAuthentication: what = "too many failed authentications from this address"
        }
        let refusal = APIError(status: 429, code: "resource_exhausted", number: 8, message: "\(what); retry after \(seconds) s")
        var response = try HTTPJSON.response(refusal.body, status: .tooManyRequests)
        response.headers[.retryAfter] = String(seconds)
        return response
    }
}

/// Per-address limit on every route but the probes; outermost after the security headers.
struct AddressRateLimitMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let limiter: RateLimiter
    static let exempt: Set<String> = ["/healthz", "/readyz", "/metrics"]

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        if !Self.exempt.contains(request.uri.path), let wait = limiter.take(.address, context.clientAddress) {
            return try RateLimitRefusal.response(.address, retryAfter: wait)
        }
        return try await next(request, context)
    }
}

/// Around authentication on `/api/v1alpha1`: an address whose failed authentications are spent gets 429 before
/// its token is even looked at; every 401 spends one.
struct FailedAuthenticationLimitMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        if let wait = limiter.check(.failedAuthentication, context.clientAddress) {
            return try RateLimitRefusal.response(.failedAuthentication, retryAfter: wait)
        }
        do {
            return try await next(request, context)
        } catch let error as APIError where error.status == 401 {
            limiter.recordFailedAuthentication(context.clientAddress)
            throw error
        }
    }
}

/// After authentication on `/api/v1alpha1`: the per-identity limit.
struct IdentityRateLimitMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        if let caller = context.caller, let wait = limiter.take(.identity, caller.email) {
            return try RateLimitRefusal.response(.identity, retryAfter: wait)
        }
        return try await next(request, context)
    }
}
