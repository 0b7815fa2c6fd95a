public import Hummingbird
import JitsudoAPI
import Logging
import NIOCore

/// The request context of the API: Hummingbird's core storage plus the authenticated caller.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by the authentication middleware on `/api/v1alpha1` routes.
    public var caller: Caller?
    /// The request id echoed in `X-Request-Id` and in logs.
    public var requestID: String = ""
    /// The peer's IP address (the key of the per-address limits); empty when the channel has none.
    public var clientAddress: String = ""

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? ""
    }

    /// Bodies larger than 1 MiB get 413 (`api.md` §1).
    public var maxUploadSize: Int { 1 << 20 }

    /// The caller, or 401 when the route was reached without authentication.
    func requireCaller() throws(APIError) -> Caller {
        guard let caller else { throw APIError.unauthenticated("missing bearer token") }
        return caller
    }

    /// The caller when they are an admin, else 403.
    func requireAdmin() throws(APIError) -> Caller {
        let caller = try requireCaller()
        guard caller.isAdmin else { throw APIError.permissionDenied("requires jitsudo-admins group membership") }
        return caller
    }
}
