import Foundation
import Yams

/// `~/.jitsudo/credentials`, written by `login`: the keys of the original (`server_url`, `token`,
/// `expires_at`, `email`) plus what a refresh needs (`refresh_token`, `issuer`, `client_id`).
struct Credentials: Codable, Sendable, Equatable {
    var serverURL: String?
    var token: String
    var expiresAt: String?
    var email: String?
    var refreshToken: String?
    var issuer: String?
    var clientID: String?

    enum CodingKeys: String, CodingKey {
        case serverURL = "server_url"
        case token
        case expiresAt = "expires_at"
        case email
        case refreshToken = "refresh_token"
        case issuer
        case clientID = "client_id"
    }

    /// The stored credentials, or nil when there is no file.
    static func load(path: String = CLIFiles.credentialsPath) throws -> Credentials? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return try YAMLDecoder().decode(Credentials.self, from: text)
        } catch {
            throw CLIError("cannot read \(path): it is damaged — run 'jitsudo login' again", exitCode: 4)
        }
    }

    /// Writes the file with mode 0600 inside a 0700 directory, replacing it atomically.
    func save(path: String = CLIFiles.credentialsPath) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let manager = FileManager.default
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory)
        let text = try YAMLEncoder().encode(self)
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        guard manager.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CLIError("cannot write \(path) — check the permissions of \(directory)")
        }
        if manager.fileExists(atPath: path) { try manager.removeItem(atPath: path) }
        try manager.moveItem(atPath: temporary, toPath: path)
        try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    /// The expiry time, when it parses.
    var expiryDate: Date? { expiresAt.flatMap(Timestamps.parse) }

    /// Whether the stored token is past its expiry at `now`.
    func isExpired(at now: Date = Date()) -> Bool {
        guard let expiry = expiryDate else { return false }
        return expiry <= now
    }
}
