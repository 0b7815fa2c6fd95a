import Foundation
import GoogleCloudClient
public import JitsudoProviders

extension GCPProvider: DriftCorrecting {
    /// On every resource this installation may write to (``Configuration/allowedResources`` and the resources this
    /// instance wrote to), removes the bindings titled with this installation's prefix whose stated end has passed
    /// (`condition_expired`: Google no longer honours them, but they count toward its 1,500-principal cap) or for
    /// which `reasonToRemove`, given the binding's request id, returns a reason. A binding whose fate cannot be decided
    /// is left for the next round. Each resource is one read-modify-write, so concurrent grants are never lost.
    public func removeDrift(reasonToRemove: (String) async throws -> String?) async throws -> [DriftRemoval] {
        var removals: [DriftRemoval] = []
        for name in configuration.allowedResources.union(statistics.resources).sorted() {
            guard let resource = try? GCPResource(scope: name) else { continue }
            let policy: IAMPolicy
            do { policy = IAMPolicy(try await client.getIamPolicy(resource: resource.name)) } catch {
                throw Self.providerError(error, doing: "drift check on \(resource)")
            }
            let current = now()
            var reasons: [String: (requestID: String, reason: String)] = [:]
            for binding in policy.managedBindings(prefix: configuration.conditionTitlePrefix) {
                if let end = binding.end, end <= current {
                    reasons[binding.title] = (binding.requestID, "condition_expired")
                } else if let reason = try? await reasonToRemove(binding.requestID) {
                    reasons[binding.title] = (binding.requestID, reason)
                }
            }
            guard !reasons.isEmpty else { continue }
            let titles = Set(reasons.keys)
            var removedTitles: Set<String> = []
            try await updatePolicy(of: resource, doing: "drift cleanup") { latest, _ throws(ProviderError) in
                // Only what was decided on; a binding added since stays. What is already gone is not reported.
                removedTitles = titles.intersection(latest.managedBindings(prefix: configuration.conditionTitlePrefix).map(\.title))
                return latest.revoking(titles: titles)
            }
            for title in removedTitles.sorted() {
                guard let entry = reasons[title] else { continue }
                removals.append(
                    DriftRemoval(
                        kind: "IAMBinding", scope: resource.name, name: title, requestID: entry.requestID,
                        reason: entry.reason))
            }
        }
        return removals
    }
}
