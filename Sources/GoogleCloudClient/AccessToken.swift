public import Foundation

/// An OAuth 2.0 access token and when it stops working. `description` never shows the token.
public struct AccessToken: Sendable, Hashable, CustomStringConvertible {
    public let value: String
    public let expiresAt: Date

    public init(value: String, expiresAt: Date) {
        self.value = value
        self.expiresAt = expiresAt
    }

    /// Whether the token should be replaced before a call at `now`: it is used only while more than `margin` of it
    /// is left, so a call never starts with a token about to expire mid-flight.
    public func needsRefresh(at now: Date, margin: TimeInterval) -> Bool { expiresAt.timeIntervalSince(now) <= margin }

    public var description: String { "access token (expires \(expiresAt))" }

    /// The token of an OAuth token-endpoint or metadata-server answer `{"access_token", "expires_in", …}` received
    /// at `now`.
    ///
    /// - Throws: ``GoogleCloudError`` `malformedResponse` when a member is missing or mistyped.
    public static func fromTokenResponse(_ body: [UInt8], receivedAt now: Date) throws(GoogleCloudError) -> AccessToken {
        let document = try JSONValue.parse(body)
        guard let token = document["access_token"]?.stringValue, !token.isEmpty,
            case .number(let literal)? = document["expires_in"], let seconds = Double(literal), seconds > 0
        else { throw GoogleCloudError(.malformedResponse, "the token endpoint's answer lacks access_token or expires_in") }
        return AccessToken(value: token, expiresAt: now.addingTimeInterval(seconds))
    }
}
