import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// DER of a subjectAltName extension value (RFC 5280 §4.2.1.6) with dNSName and iPAddress entries, encoded
/// here so the module needs no direct ASN.1 dependency.
enum SubjectAlternativeNamesDER {
    static func encode(dnsNames: [String], ipAddresses: [String]) throws -> [UInt8] {
        guard !dnsNames.isEmpty || !ipAddresses.isEmpty else { return [] }
        var content: [UInt8] = []
        for name in dnsNames {
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw TLSLoadError(.invalidCertificate, "invalid DNS name '\(name)'")
            }
            content += tlv(0x82, Array(name.utf8))
        }
        for address in ipAddresses {
            guard let bytes = ipAddressBytes(address) else { throw TLSLoadError(.invalidCertificate, "invalid IP address '\(address)'") }
            content += tlv(0x87, bytes)
        }
        return tlv(0x30, content)
    }

    /// The 4 or 16 network-order bytes of an IPv4 or IPv6 address.
    static func ipAddressBytes(_ address: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, address, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    private static func tlv(_ tag: UInt8, _ value: [UInt8]) -> [UInt8] {
        var length: [UInt8]
        if value.count < 0x80 {
            length = [UInt8(value.count)]
        } else {
            var n = value.count
            length = []
            while n > 0 {
                length.insert(UInt8(n & 0xFF), at: 0)
                n >>= 8
            }
            length.insert(0x80 | UInt8(length.count), at: 0)
        }
        return [tag] + length + value
    }
}
