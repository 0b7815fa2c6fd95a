import Foundation
import JitsudoCore
import Testing

/// Credentials sealed at rest open to exactly what was sealed, and to nothing once altered or under another key.
@Suite struct CredentialVaultTests {
    static let awkward = [
        "access_key": "AKIA0123456789", "secret": "a\"b\\c/d\ne\u{01}f\u{7F}", "unicode": "ключ ✓ 🔑", "empty": "", "": "unnamed",
    ]

    @Test func whatIsSealedOpensUnchanged() throws {
        let vault = try CredentialVault(keys: ["k1": Array(repeating: 7, count: 32)], currentKeyID: "k1")
        let stored = try vault.seal(Self.awkward)
        #expect(try vault.open(stored) == Self.awkward)
        #expect(try vault.open(try vault.seal([:])) == [:])
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(stored.utf8)) as? [String: String])
        #expect(Set(envelope.keys) == ["sealed", "key_id"] && envelope["key_id"] == "k1")
        #expect(!stored.contains("AKIA0123456789"), "the stored text holds no credential in the clear")
    }

    @Test func anAlteredOrForeignSealDoesNotOpen() throws {
        let vault = try CredentialVault(keys: ["k1": Array(repeating: 7, count: 32)], currentKeyID: "k1")
        let other = try CredentialVault(keys: ["k1": Array(repeating: 8, count: 32)], currentKeyID: "k1")
        let stored = try vault.seal(Self.awkward)
        #expect(throws: CoreError.self) { try other.open(stored) }
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(stored.utf8)) as? [String: String])
        let sealedText = try #require(envelope["sealed"])
        var sealed = Array(try #require(Data(base64Encoded: sealedText)))
        sealed[sealed.count / 2] ^= 1
        let altered = #"{"key_id":"k1","sealed":"\#(Data(sealed).base64EncodedString())"}"#
        #expect(throws: CoreError.self) { try vault.open(altered) }
        #expect(throws: CoreError.self) { try vault.open(#"{"key_id":"k9","sealed":""}"#) }
    }

    @Test func olderKeysStillOpenAfterRotation() throws {
        let before = try CredentialVault(keys: ["k1": Array(repeating: 1, count: 32)], currentKeyID: "k1")
        let after = try CredentialVault(keys: ["k1": Array(repeating: 1, count: 32), "k2": Array(repeating: 2, count: 32)], currentKeyID: "k2")
        #expect(try after.open(try before.seal(Self.awkward)) == Self.awkward)
        #expect(try after.seal(["a": "b"]).contains(#""key_id":"k2""#))
    }
}
