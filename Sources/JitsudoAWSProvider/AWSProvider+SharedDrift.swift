import AWSSigV4
public import JitsudoProviders

extension AWSProvider: SharedDriftCorrecting {
    /// Identity Center assignments: one per (account, permission set, principal), shared by every grant with that key.
    public func sharesObject(revokeToken: String) -> Bool { revokeToken.hasPrefix(sharedTokenPrefix) }

    public var sharedTokenPrefix: String { "identity_center|" }

    /// Mode `identity_center`: deletes the assignments jitsudo's grants made (their revoke tokens) that no ACTIVE grant
    /// holds any more — re-created out of band after a revoke, or left by a revoke lost with its leader. Assignments
    /// no grant ever had (standing access granted by people) are never touched.
    public func removeSharedDrift(_ ledger: SharedObjectLedger) async throws -> [DriftRemoval] {
        guard configuration.mode == .identityCenter, !ledger.issuing else { return [] }
        let instance = configuration.identityCenter.instanceARN
        var places: Set<[String]> = []
        for token in ledger.tokens {
            let parts = token.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            if parts.count == 5 { places.insert([parts[1], parts[2]]) }
        }
        var removed: [DriftRemoval] = []
        for place in places.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let (account, permissionSet) = (place[0], place[1])
            let holders = try await IdentityCenterCalls.principals(client, instanceARN: instance, account: account, permissionSetARN: permissionSet)
            for holder in holders {
                let token = ["identity_center", account, permissionSet, holder.type, holder.id].joined(separator: "|")
                guard let reason = ledger.reasonToRemove(token), let requestID = ledger.lastHolder[token] else { continue }
                try await removeAssignment(
                    .init(
                        instanceARN: instance, account: account, permissionSetARN: permissionSet, principalType: holder.type, principalID: holder.id))
                removed.append(
                    DriftRemoval(
                        kind: "AccountAssignment", scope: account, name: "\(permissionSet) \(holder.type):\(holder.id)", requestID: requestID,
                        reason: reason))
            }
        }
        return removed
    }
}
