import Foundation
import JitsudoAuth
import Testing

@Suite struct Base64URLTests {
    /// What base64url decoding meant before it was written out by hand: the alphabet mapped back to standard base64,
    /// padded, and decoded by Foundation.
    private static func foundationDecode(_ string: String) -> Data? {
        let allowed = string.utf8.allSatisfy { byte in
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x5F
        }
        guard allowed, string.count % 4 != 1 else { return nil }
        var base64 = string.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }

    /// Every string of up to five characters from eleven: values with every low-bit pattern that matters to the
    /// leftover bits (A 0, B 1, Q 16, z 51, 9 61, - 62, _ 63) and four characters outside the alphabet.
    @Test func decodesAsFoundationDoesForEveryShortString() {
        let characters = Array("ABQz9-_=+é ")
        var strings = [""]
        var longest = [""]
        for _ in 0..<5 {
            longest = longest.flatMap { prefix in characters.map { prefix + String($0) } }
            strings += longest
        }
        #expect(strings.count == 177_156)
        var disagreements: [String] = []
        for text in strings where Base64URL.decode(text) != Self.foundationDecode(text) { disagreements.append(text) }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5).map(\.debugDescription))")
    }

    @Test func roundTripsEveryByteValue() {
        let bytes = Data((0...255).map { UInt8($0) })
        for length in 0...bytes.count {
            let data = bytes.prefix(length)
            #expect(Base64URL.decode(Base64URL.encode(data)) == Data(data))
        }
    }
}
