/// Lowercase hex of bytes: certificate serials as the operator writes them, and the digests in generated names.
public enum Hex {
    public static func text(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
