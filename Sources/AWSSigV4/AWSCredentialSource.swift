/// Where a client gets the credentials it signs with; implementations cache and refresh temporary credentials.
public protocol AWSCredentialSource: Sendable {
    /// Valid credentials now.
    ///
    /// - Throws: ``AWSError`` when none can be had (its message says which source failed and why).
    func credentials() async throws(AWSError) -> AWSCredentials
}

/// Credentials that never change (an access key, or a session a test handed in).
public struct StaticCredentials: AWSCredentialSource {
    public let value: AWSCredentials
    public init(_ value: AWSCredentials) { self.value = value }
    public func credentials() async throws(AWSError) -> AWSCredentials { value }
}
