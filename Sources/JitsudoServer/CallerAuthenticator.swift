/// Turns an `Authorization` header into a ``Caller`` or a 401.
public protocol CallerAuthenticator: Sendable {
    /// - Throws: `APIError` 401 (`unauthenticated`) with a message safe to show.
    func authenticate(authorization: String?) async throws -> Caller
}

import Hummingbird
import JitsudoAPI
import JitsudoStore

/// Authenticates every `/api/v1alpha1` call and records the caller as seen — at most once a minute per identity
/// and replica (``LastSeenCache``), so the hot path makes no write per call.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let authenticator: any CallerAuthenticator
    let principals: PrincipalRepository
    let lastSeen = LastSeenCache()

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        var context = context
        let caller = try await authenticator.authenticate(authorization: request.headers[.authorization])
        context.caller = caller
        // The groups are part of the key: a change of groups is recorded at once, last-seen at most once a minute.
        if lastSeen.claim(caller.email + "\u{0}" + caller.groups.sorted().joined(separator: ",")) {
            // Bookkeeping only: a failure to record last-seen never fails the call; the next call tries again.
            do { try await principals.touch(caller.email, groups: caller.groups) } catch {
                lastSeen.forget(caller.email + "\u{0}" + caller.groups.sorted().joined(separator: ","))
            }
        }
        return try await next(request, context)
    }
}
