import Foundation
public import KubernetesClient

/// The kinds the operator reads and writes that KubernetesClient has no constant for.
extension ResourceType {
    public static let jitsudoClusters = ResourceType(
        group: "jitsudo.dev", version: "v1alpha1", plural: "jitsudoclusters", kind: "JitsudoCluster", namespaced: true)
    public static let jitsudoRestores = ResourceType(
        group: "jitsudo.dev", version: "v1alpha1", plural: "jitsudorestores", kind: "JitsudoRestore", namespaced: true)
    public static let services = ResourceType(group: "", version: "v1", plural: "services", kind: "Service", namespaced: true)
    public static let serviceAccounts = ResourceType(
        group: "", version: "v1", plural: "serviceaccounts", kind: "ServiceAccount", namespaced: true)
    public static let jobs = ResourceType(group: "batch", version: "v1", plural: "jobs", kind: "Job", namespaced: true)
    public static let podDisruptionBudgets = ResourceType(
        group: "policy", version: "v1", plural: "poddisruptionbudgets", kind: "PodDisruptionBudget", namespaced: true)
}

/// Reading typed values out of generic objects.
extension JSONValue {
    /// The string members of an object (`data`, `annotations`).
    var stringMap: [String: String] {
        (objectValue ?? [:]).compactMapValues(\.stringValue)
    }
}

extension KubernetesClient {
    /// `get`, with a missing object as nil.
    func getIfPresent<R: KubernetesObject>(_ type: R.Type, name: String, namespace: String, in resource: ResourceType) async throws -> R? {
        do {
            return try await get(type, name: name, namespace: namespace, in: resource)
        } catch let error as KubernetesError where error.code == .notFound {
            return nil
        }
    }
}

/// A Secret's data as text (PEM files, URLs); values that are not UTF-8 are left out.
func secretText(_ secret: GenericResource?) -> [String: String]? {
    guard let secret else { return nil }
    return (secret.body["data"]?.stringMap ?? [:]).compactMapValues { Data(base64Encoded: $0).flatMap { String(data: $0, encoding: .utf8) } }
}

/// The base64 `data` of a Secret from text values.
func secretData(_ text: [String: String]) -> JSONValue {
    .object(text.mapValues { .string(Data($0.utf8).base64EncodedString()) })
}
