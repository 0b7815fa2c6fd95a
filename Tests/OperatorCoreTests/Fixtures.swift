import Foundation
import JitsudoTLS
import OperatorCore
import X509

/// Shared inputs: a fixed clock, a cluster spec and real certificates made by JitsudoTLS's PrivateCA.
enum Fixtures {
    static let now = Date(timeIntervalSince1970: 1_780_000_000)
    static let day: TimeInterval = 86400
    static let namespace = "jitsudo"

    static func clusterSpec(replicas: Int? = 2, inline: String? = "listen: 0.0.0.0:8443\n", tls: ClusterSpec.TLS? = nil) -> ClusterSpec {
        ClusterSpec(
            image: "ghcr.io/jitsudo/jitsudod:0.1.0", database: .init(secretRef: .init(name: "jitsudo-database")), replicas: replicas,
            config: ClusterSpec.Config(inline: inline), tls: tls
        )
    }

    static func resolvedTLS(_ tls: ClusterSpec.TLS? = nil) throws -> ResolvedClusterSpec.TLS {
        try clusterSpec(tls: tls).resolved(namespace: namespace).tls
    }

    /// A CA as its Secret holds it.
    static func caSecret(_ ca: PrivateCA) -> [String: String] {
        ["tls.crt": ca.certificatePEM, "tls.key": ca.privateKeyPEM]
    }

    /// A server certificate as the TLS Secret holds it, valid from `issuedAt` for `validity`.
    static func tlsSecret(
        ca: PrivateCA, names: [String] = ClusterSpec.serviceDNSNames(namespace: namespace), issuedAt: Date = now, validity: TimeInterval = 90 * day
    ) throws -> (data: [String: String], serial: String) {
        let pair = try ca.issue(dnsNames: names, validity: validity, now: issuedAt)
        let serial = pair.certificate.serialNumber.bytes.map { String(format: "%02x", $0) }.joined()
        return (["tls.crt": pair.certificatePEM, "tls.key": pair.privateKeyPEM, "ca.crt": ca.certificatePEM], serial)
    }
}
