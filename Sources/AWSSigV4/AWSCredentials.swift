public import Foundation

/// An AWS access key, with the session token and end of a temporary session. Never logged: `description` hides
/// everything but the access key id's first characters.
public struct AWSCredentials: Sendable, Hashable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    /// The STS session token of temporary credentials; nil for a long-term key.
    public var sessionToken: String?
    /// When temporary credentials stop working; nil for a long-term key.
    public var expiration: Date?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    /// Whether these credentials should be replaced at `now`: `margin` seconds before they expire (never for a key
    /// without an expiration).
    public func needsRefresh(at now: Date, margin: TimeInterval = 300) -> Bool {
        guard let expiration else { return false }
        return expiration.timeIntervalSince(now) <= margin
    }

    public var description: String { "AWSCredentials(\(accessKeyID.prefix(4))…)" }
}
