/// A provider that can find what it granted out of band and remove what no grant justifies any more
/// (bindings, assignments, deny entries), for the leader's ``DriftReconciler``.
public protocol DriftCorrecting: CredentialProvider {
    /// Removes every object this installation manages for which `reasonToRemove`, given the object's request id,
    /// returns a reason (nil keeps it). An object whose fate cannot be decided (`reasonToRemove` throws) is left
    /// for the next round.
    func removeDrift(reasonToRemove: (String) async throws -> String?) async throws -> [DriftRemoval]
}

/// An object the drift reconciliation removed, and why.
public struct DriftRemoval: Sendable, Hashable {
    /// What was removed, in the provider's words (`RoleBinding`, `ClusterRoleBinding`, `AccountAssignment`, …).
    public var kind: String
    /// Where: a namespace (`*` for cluster-wide), an account, a project, an ARM scope.
    public var scope: String
    public var name: String
    /// The request id the object carried.
    public var requestID: String
    /// Why: what the decision closure said (`grant_not_active`, `expired`).
    public var reason: String

    public init(kind: String, scope: String, name: String, requestID: String, reason: String) {
        self.kind = kind
        self.scope = scope
        self.name = name
        self.requestID = requestID
        self.reason = reason
    }
}
