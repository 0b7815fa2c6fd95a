public import Foundation

/// The caller's identity, taken from a verified ID token.
public struct VerifiedIdentity: Sendable, Hashable {
    /// The `email` claim; never empty.
    public var email: String
    /// The `sub` claim.
    public var subject: String
    /// Group membership from the configured groups claim; empty when the claim is absent.
    public var groups: [String]
    /// The `iss` claim, equal to the configured issuer.
    public var issuer: String
    /// The `exp` claim.
    public var expiresAt: Date

    public init(email: String, subject: String, groups: [String], issuer: String, expiresAt: Date) {
        self.email = email
        self.subject = subject
        self.groups = groups
        self.issuer = issuer
        self.expiresAt = expiresAt
    }
}
