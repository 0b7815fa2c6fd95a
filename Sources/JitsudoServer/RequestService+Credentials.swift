public import JitsudoCore
import JitsudoProviders
import JitsudoStore

extension RequestService {
    /// The credentials of an ACTIVE grant, for its requester only; every read is audited. A provider whose
    /// credentials are sessions shorter than the grant issues fresh ones within the grant's window (audited as
    /// `refreshed`).
    public func credentials(_ id: RequestID, by caller: Caller) async throws -> GrantCredentials {
        let request = try await requests.get(id)
        guard request.requesterIdentity == caller.email else {
            throw WorkflowRefusal(.permissionDenied, "only the requester can fetch the credentials of request \(id)")
        }
        let current = now()
        guard request.state == .active, let issuedAt = request.issuedAt, let expiresAt = request.expiresAt, expiresAt > current else {
            throw WorkflowRefusal(
                .failedPrecondition,
                "request \(id) is \(request.state.rawValue) and has no usable credentials; only ACTIVE grants do")
        }
        guard let sealed = try await requests.credentialsJSON(of: id) else {
            throw WorkflowRefusal(.failedPrecondition, "request \(id) has no stored credentials")
        }
        var credentials = try vault.open(sealed)
        var refreshed = false
        if let provider = providers[request.provider] {
            let remaining = max(1, (expiresAt.microseconds - current.microseconds) / 1_000_000)
            do {
                if let fresh = try await provider.refreshCredentials(
                    grantRequest(request, durationSeconds: remaining, notAfter: expiresAt),
                    current: credentials)
                {
                    credentials = fresh
                    refreshed = true
                }
            } catch {
                throw ProviderFailure(provider: request.provider, "could not issue fresh credentials: \(error.message); try again")
            }
        }
        let details: AuditDetails = refreshed ? ["refreshed": true] : [:]
        try await audit.append(
            marked(
                AuditDraft(
                    actor: caller.email, action: AuditAction.grantCredentialsRead, requestID: id.rawValue,
                    provider: request.provider, resourceScope: request.resourceScope, details: details)))
        return GrantCredentials(requestID: id, values: credentials, issuedAt: issuedAt, expiresAt: expiresAt)
    }
}
