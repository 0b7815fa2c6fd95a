import Crypto
public import Foundation

/// Name-based UUIDs (RFC 9562 §5.5, SHA-1): the same namespace and name always give the same UUID, so a retried
/// grant names the same role assignment or schedule request.
public enum UUIDv5 {
    /// The namespace of jitsudo's Azure object names.
    public static let jitsudoAzure = UUID(uuidString: "2f0f4bd7-6a53-4c6e-9c1a-7d0f2d3b9e41")!

    public static func make(namespace: UUID, name: String) -> UUID {
        var input = withUnsafeBytes(of: namespace.uuid) { Data($0) }
        input.append(Data(name.utf8))
        var bytes = Array(Insecure.SHA1.hash(data: input).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }
}
