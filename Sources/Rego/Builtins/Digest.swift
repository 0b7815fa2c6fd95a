import Crypto

/// The message digests (MD5, SHA-1, SHA-256, SHA-512) and HMACs of the crypto builtins, from swift-crypto.
enum Digest {
    enum Algorithm { case md5, sha1, sha256, sha512 }

    static func hash(_ algo: Algorithm, _ data: [UInt8]) -> [UInt8] {
        switch algo {
        case .md5: return Array(Insecure.MD5.hash(data: data))
        case .sha1: return Array(Insecure.SHA1.hash(data: data))
        case .sha256: return Array(SHA256.hash(data: data))
        case .sha512: return Array(SHA512.hash(data: data))
        }
    }

    static func md5(_ data: [UInt8]) -> [UInt8] { hash(.md5, data) }
    static func sha1(_ data: [UInt8]) -> [UInt8] { hash(.sha1, data) }
    static func sha256(_ data: [UInt8]) -> [UInt8] { hash(.sha256, data) }

    static func hmac(_ algo: Algorithm, key: [UInt8], message: [UInt8]) -> [UInt8] {
        let key = SymmetricKey(data: key)
        switch algo {
        case .md5: return Array(HMAC<Insecure.MD5>.authenticationCode(for: message, using: key))
        case .sha1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: key))
        case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        case .sha512: return Array(HMAC<SHA512>.authenticationCode(for: message, using: key))
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
