import Crypto

/// Hashing helpers shared by the audit chain and the policy audit details.
public enum Hashing {
    /// Lower-case hex SHA-256 of the UTF-8 bytes of `text`.
    public static func sha256Hex(_ text: String) -> String {
        hex(Array(SHA256.hash(data: Array(text.utf8))))
    }

    /// Lower-case hex SHA-256 of `bytes`.
    public static func sha256Hex(bytes: [UInt8]) -> String {
        hex(Array(SHA256.hash(data: bytes)))
    }

    /// Whether the SHA-256 of `bytes` is `hex` (64 lower-case hex digits), compared without building a string.
    public static func sha256(_ bytes: [UInt8], equalsHex hex: String) -> Bool {
        var text = hex
        return text.withUTF8 { sha256(bytes, equalsHexUTF8: UnsafeRawBufferPointer($0)) }
    }

    /// Whether the SHA-256 of `bytes` is the 64 lower-case hex digits in `stored` (UTF-8, e.g. a stored column).
    public static func sha256(_ bytes: [UInt8], equalsHexUTF8 stored: UnsafeRawBufferPointer) -> Bool {
        guard stored.count == 64 else { return false }
        let digest = SHA256.hash(data: bytes)
        var index = 0
        for byte in digest {
            guard stored[index] == hexDigits[Int(byte >> 4)], stored[index + 1] == hexDigits[Int(byte & 0x0F)] else { return false }
            index += 2
        }
        return true
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
