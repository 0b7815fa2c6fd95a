/// A Universally Unique Lexicographically Sortable Identifier: 48 bits of Unix milliseconds and
/// 80 random bits, written as 26 upper-case Crockford base32 characters.
public struct ULID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The 26-character text form.
    public let text: String

    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// Builds the ULID for `milliseconds` since the Unix epoch and 10 bytes of randomness.
    public init(milliseconds: UInt64, randomness: [UInt8]) {
        precondition(randomness.count == 10, "a ULID takes exactly 10 random bytes")
        // 128 bits: 48 time + 80 random, encoded 5 bits at a time from the top (2 leading pad bits).
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 {
            bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - UInt64(index))))
        }
        bytes.replaceSubrange(6..<16, with: randomness)
        var characters: [Character] = []
        characters.reserveCapacity(26)
        for position in 0..<26 {
            // Bit offset of this character within the 130-bit (2 pad + 128) string.
            let bitStart = position * 5 - 2
            var value = 0
            for bit in 0..<5 {
                let absolute = bitStart + bit
                guard absolute >= 0 else { continue }
                let byte = bytes[absolute / 8]
                let isSet = (byte >> (7 - UInt8(absolute % 8))) & 1
                value = (value << 1) | Int(isSet)
            }
            if bitStart < 0 { value &= 0b111 }
            characters.append(Self.alphabet[value])
        }
        self.text = String(characters)
    }

    /// A fresh ULID for `milliseconds` (callers pass the clock's now) from `generator`.
    public static func generate(milliseconds: UInt64, using generator: inout some RandomNumberGenerator) -> ULID {
        let randomness = (0..<10).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return ULID(milliseconds: milliseconds, randomness: randomness)
    }

    /// Parses a 26-character ULID; lower case is accepted and normalised to upper case.
    public init?(parsing text: String) {
        let upper = text.uppercased()
        guard upper.count == 26, upper.allSatisfy({ Self.alphabet.contains($0) }) else { return nil }
        // The first character carries only 3 bits: anything above 7 overflows 128 bits.
        guard let first = upper.first, let firstValue = Self.alphabet.firstIndex(of: first), firstValue <= 7 else { return nil }
        self.text = upper
    }

    /// The timestamp part, in Unix milliseconds.
    public var milliseconds: UInt64 {
        var value: UInt64 = 0
        for character in text.prefix(10) {
            value = value << 5 | UInt64(Self.alphabet.firstIndex(of: character) ?? 0)
        }
        return value
    }

    public static func < (lhs: ULID, rhs: ULID) -> Bool { lhs.text < rhs.text }
    public var description: String { text }
}
