import Crypto
import Foundation
import BoundedJSON

/// Seals grant credentials at rest with AES-256-GCM (`schema.md` §7.3): the stored JSON is
/// `{"sealed": "<base64 nonce|ciphertext|tag>", "key_id": "<id>"}`. Several keys can be configured so the
/// current key rotates while older rows still open.
public struct CredentialVault: Sendable {
    private let keys: [String: SymmetricKey]
    /// The id of the key new rows are sealed with.
    public let currentKeyID: String

    /// - Parameters:
    ///   - keys: key id → 32 raw key bytes.
    ///   - currentKeyID: the key to seal with; must be one of `keys`.
    /// - Throws: ``CoreError`` `invalidArgument` for a key that is not 32 bytes or an unknown current id.
    public init(keys: [String: [UInt8]], currentKeyID: String) throws(CoreError) {
        var symmetric: [String: SymmetricKey] = [:]
        for (id, bytes) in keys {
            guard bytes.count == 32 else {
                throw CoreError(.invalidArgument, "credentials key '\(id)' must be 32 bytes (base64 of 32 random bytes), got \(bytes.count)")
            }
            symmetric[id] = SymmetricKey(data: bytes)
        }
        guard symmetric[currentKeyID] != nil else {
            throw CoreError(.invalidArgument, "credentials key id '\(currentKeyID)' is not configured")
        }
        self.keys = symmetric
        self.currentKeyID = currentKeyID
    }

    /// A vault with one key given as base64 (the `JITSUDOD_CREDENTIALS_KEY` form); its id is derived from the key.
    public init(base64Key: String) throws(CoreError) {
        guard let data = Data(base64Encoded: base64Key.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw CoreError(.invalidArgument, "credentials key is not valid base64; generate one with: head -c 32 /dev/urandom | base64")
        }
        let bytes = [UInt8](data)
        let id = "k" + Hashing.sha256Hex(bytes: bytes).prefix(8)
        try self.init(keys: [id: bytes], currentKeyID: id)
    }

    /// Seals `credentials` and returns the JSON text to store.
    public func seal(_ credentials: [String: String]) throws -> String {
        var members = AuditDetails()
        for (name, value) in credentials { members[name] = .string(value) }
        let plaintext = Data(members.jsonText.utf8)  // a JSON object of strings, as `open(_:)` reads it back
        guard let key = keys[currentKeyID] else { throw CoreError(.invalidArgument, "credentials key missing") }
        let box = try AES.GCM.seal(plaintext, using: key)
        guard let combined = box.combined else { throw CoreError(.invalidArgument, "could not seal credentials") }
        var details = AuditDetails()
        details["sealed"] = .string(combined.base64EncodedString())
        details["key_id"] = .string(currentKeyID)
        return details.jsonText
    }

    /// Opens stored JSON text produced by ``seal(_:)``.
    ///
    /// - Throws: ``CoreError`` `invalidArgument` when the key id is unknown or the data was altered.
    public func open(_ stored: String) throws -> [String: String] {
        struct Sealed: Decodable {
            let sealed: String
            let key_id: String
        }
        let envelope = try JSONDecoder().decodeBounded(Sealed.self, from: Data(stored.utf8))
        guard let key = keys[envelope.key_id] else {
            throw CoreError(.invalidArgument, "credentials were sealed with key '\(envelope.key_id)', which is not configured")
        }
        guard let data = Data(base64Encoded: envelope.sealed) else { throw CoreError(.invalidArgument, "sealed credentials are not base64") }
        do {
            let plaintext = try AES.GCM.open(AES.GCM.SealedBox(combined: data), using: key)
            return try JSONDecoder().decodeBounded([String: String].self, from: plaintext)
        } catch {
            throw CoreError(.invalidArgument, "sealed credentials could not be opened (altered, or wrong key)")
        }
    }
}
