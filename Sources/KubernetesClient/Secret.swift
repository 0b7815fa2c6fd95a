public import Foundation

/// `v1` Secret. `data` values are base64 as on the wire; ``decodedData`` gives the bytes.
public struct Secret: KubernetesResource, Hashable {
    public static let resourceType = ResourceType.secrets
    public var apiVersion: String? = "v1"
    public var kind: String? = "Secret"
    public var metadata: ObjectMeta
    public var type: String?
    public var data: [String: String]?
    /// Write-only plain-text values; the server merges them into `data`.
    public var stringData: [String: String]?

    public init(metadata: ObjectMeta, type: String? = nil, data: [String: Data] = [:]) {
        self.metadata = metadata
        self.type = type
        self.data = data.isEmpty ? nil : data.mapValues { $0.base64EncodedString() }
    }

    public var decodedData: [String: Data] { (data ?? [:]).compactMapValues { Data(base64Encoded: $0) } }
}
