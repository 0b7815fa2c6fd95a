import Foundation

/// Opaque keyset-pagination tokens: the position plus a fingerprint of the filters, so a token is
/// only valid with the filters it was issued for.
enum PageToken {
    static func encode(_ position: String, fingerprint: String) -> String {
        let text = "v1\u{1}\(fnv1a(fingerprint))\u{1}\(position)"
        return Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The position inside `token`, or nil for the empty token (first page).
    ///
    /// - Throws: ``StoreError`` `invalidArgument` for a token that is malformed or issued for other filters.
    static func decode(_ token: String, fingerprint: String) throws(StoreError) -> String? {
        guard !token.isEmpty else { return nil }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard token.count <= 512, let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else {
            throw StoreError(.invalidArgument, "page_token is not a token this server issued; start again without page_token")
        }
        let parts = text.split(separator: "\u{1}", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1" else {
            throw StoreError(.invalidArgument, "page_token is not a token this server issued; start again without page_token")
        }
        guard parts[1] == Substring(fnv1a(fingerprint)) else {
            throw StoreError(
                .invalidArgument, "page_token was issued for different filters; repeat the query with the same filters or drop page_token")
        }
        return String(parts[2])
    }

    private static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
