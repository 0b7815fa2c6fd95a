public import Foundation

/// base64url without padding (RFC 7515 §2): tokens, keys, PKCE and console secrets all use this one.
public enum Base64URL {
    public static func encode(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes strict base64url: only the URL-safe alphabet, no padding, no whitespace. The bits left over after the
    /// last whole byte are ignored, as Foundation's base64 decoder ignores them.
    public static func decode(_ string: some StringProtocol) -> Data? {
        let utf8 = string.utf8
        guard utf8.count % 4 != 1 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count * 3 / 4)
        var accumulator: UInt32 = 0
        var pendingBits = 0
        for character in utf8 {
            guard let value = sextet(character) else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            pendingBits += 6
            if pendingBits >= 8 {
                pendingBits -= 8
                bytes.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(pendingBits)))
            }
        }
        return Data(bytes)
    }

    /// The 6-bit value of a base64url character, or nil for any other byte.
    private static func sextet(_ character: UInt8) -> UInt8? {
        switch character {
        case 0x41...0x5A: character - 0x41  // A-Z
        case 0x61...0x7A: character - 0x61 + 26  // a-z
        case 0x30...0x39: character - 0x30 + 52  // 0-9
        case 0x2D: 62  // -
        case 0x5F: 63  // _
        default: nil
        }
    }
}
