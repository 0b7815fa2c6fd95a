import Foundation
import KubernetesClient

/// A binding the drift reconciliation removed, and why.
public struct DriftRemoval: Sendable, Hashable {
    /// `RoleBinding` or `ClusterRoleBinding`.
    public var kind: String
    /// The namespace, `*` for a ClusterRoleBinding.
    public var scope: String
    public var name: String
    /// The request id from the binding's label.
    public var requestID: String
    /// `grant_not_active` or `expired`.
    public var reason: String
}

extension KubernetesProvider {
    /// Removes every binding labelled by this installation (``Configuration/instance``) whose grant is no longer active (as `isActive` says, given the
    /// request id), or whose expiry annotation has passed. A binding whose state cannot be decided (`isActive`
    /// throws) is left for the next round.
    public func removeDrift(isActive: (String) async throws -> Bool) async throws -> [DriftRemoval] {
        let selector = ListOptions.labels([Self.managedByLabel: Self.managedByValue, Self.instanceLabel: configuration.instance])
        let roleBindings = try await client.list(RoleBinding.self, allNamespaces: true, options: selector).items
        let clusterRoleBindings = try await client.list(ClusterRoleBinding.self, options: selector).items
        var removed: [DriftRemoval] = []
        let candidates = roleBindings.map { ("RoleBinding", $0.metadata) } + clusterRoleBindings.map { ("ClusterRoleBinding", $0.metadata) }
        for (kind, metadata) in candidates {
            guard let name = metadata.name else { continue }
            let requestID = metadata.annotations?["jitsudo.dev/request"] ?? metadata.labels?[Self.requestIDLabel] ?? ""
            let reason: String
            if let expiry = metadata.annotations?[Self.expiresAtAnnotation].flatMap(KubernetesTime.parse), expiry <= now() {
                reason = "expired"
            } else {
                guard let active = try? await isActive(requestID) else { continue }
                if active { continue }
                reason = "grant_not_active"
            }
            let gone: Bool
            if kind == "RoleBinding" {
                gone = try await client.deleteIfPresent(RoleBinding.self, name: name, namespace: metadata.namespace)
            } else {
                gone = try await client.deleteIfPresent(ClusterRoleBinding.self, name: name)
            }
            if gone {
                removed.append(DriftRemoval(kind: kind, scope: metadata.namespace ?? "*", name: name, requestID: requestID, reason: reason))
            }
        }
        return removed
    }
}
