import Foundation
import KubernetesClient
public import JitsudoProviders

extension KubernetesProvider: DriftCorrecting {
    /// Removes every binding labelled by this installation (``Configuration/instance``) for which `reasonToRemove`,
    /// given the binding's request id, returns a reason (nil keeps it). The store decides, not the binding's expiry
    /// annotation, which an extension does not move back. A binding whose fate cannot be decided
    /// (`reasonToRemove` throws) is left for the next round.
    public func removeDrift(reasonToRemove: (String) async throws -> String?) async throws -> [DriftRemoval] {
        let selector = ListOptions.labels([Self.managedByLabel: Self.managedByValue, Self.instanceLabel: configuration.instance])
        let roleBindings = try await client.list(RoleBinding.self, allNamespaces: true, options: selector).items
        let clusterRoleBindings = try await client.list(ClusterRoleBinding.self, options: selector).items
        var removed: [DriftRemoval] = []
        let candidates = roleBindings.map { ("RoleBinding", $0.metadata) } + clusterRoleBindings.map { ("ClusterRoleBinding", $0.metadata) }
        for (kind, metadata) in candidates {
            guard let name = metadata.name else { continue }
            let requestID = metadata.annotations?["jitsudo.dev/request"] ?? metadata.labels?[Self.requestIDLabel] ?? ""
            guard let reason = try? await reasonToRemove(requestID) else { continue }
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
