/// A provider that failed or refused a grant, an extension or fresh credentials; the request is left as it was
/// (an approved request stays APPROVED and is retried by approving again). The message is safe to show.
public struct ProviderFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public let provider: String
    public let message: String

    public init(provider: String, _ message: String) {
        self.provider = provider
        self.message = message
    }

    public var description: String { "provider \(provider) \(message)" }
}
