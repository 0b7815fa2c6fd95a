import AWSSigV4
import Foundation
public import JitsudoProviders

extension AWSProvider: DriftCorrecting {
    /// Mode `assume_role`: drops the deny entries of jitsudo's ``RevocationPolicy`` on the roles of jitsudod's own
    /// account whose sessions can no longer be valid (reason `expired`), and deletes a policy left empty. Entries are
    /// kept whatever the grant's state says: an entry exists because the grant was revoked, and removing it early would
    /// revive its sessions. Mode `identity_center`: assignments carry no request id; they are corrected by the
    /// revocation queue and by ``removeSharedDrift(_:)``.
    public func removeDrift(reasonToRemove: (String) async throws -> String?) async throws -> [DriftRemoval] {
        guard configuration.mode == .assumeRole else { return [] }
        let at = now()
        var removed: [DriftRemoval] = []
        for roleName in try await IAMCalls.roleNames(client) {
            guard let stored = try await IAMCalls.rolePolicy(client, roleName: roleName, policyName: RevocationPolicy.policyName) else { continue }
            let policy = RevocationPolicy.parse(stored)
            let expired = policy.expiredRequestIDs(at: at)
            guard !expired.isEmpty else { continue }
            let kept = policy.pruned(at: at)
            if kept.buckets.isEmpty {
                try await IAMCalls.deleteRolePolicy(client, roleName: roleName, policyName: RevocationPolicy.policyName)
            } else {
                try await IAMCalls.putRolePolicy(client, roleName: roleName, policyName: RevocationPolicy.policyName, document: kept.document())
            }
            removed += expired.map { DriftRemoval(kind: "DenyEntry", scope: "", name: roleName, requestID: $0, reason: "expired") }
        }
        return removed
    }
}
