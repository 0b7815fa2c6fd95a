import JitsudoAPI
import JitsudoCore
import JitsudoStore

// The HTTP edge: the API's wire shapes of the workflow's domain values (`api.md` §4.1). Only the routes (and the
// MCP endpoint, which returns the same JSON) build these.

extension WireRequest {
    /// The API shape of `record`: the request, its approvals and its revocation status.
    init(_ record: RequestRecord) {
        self.init(
            record.request,
            approvals: record.approvals.map {
                WireApproval(approverIdentity: $0.approverIdentity, comment: $0.comment, createdAt: $0.createdAt.canonicalText)
            },
            revocationPending: record.revocation?.pending ?? false, revocationError: record.revocation?.lastError ?? "")
    }
}

extension WireGrant {
    /// The API shape of `grant`: credentials sorted by name.
    init(_ grant: GrantCredentials) {
        self.init(
            requestId: grant.requestID.rawValue, credentials: grant.sorted.map { .init(name: $0.name, value: $0.value) },
            issuedAt: grant.issuedAt.canonicalText, expiresAt: grant.expiresAt.canonicalText)
    }
}

extension BulkRevokeResult {
    /// The API shape of `result`.
    init(_ result: BulkRevocation) {
        self.init(revoked: result.revoked.map { WireRequest($0) }, failed: result.failed.map { .init(id: $0.id.rawValue, message: $0.message) })
    }
}
