public import Foundation

/// Temporary credentials fetched on first use and fetched again `margin` before they expire (web identity,
/// container credentials). Concurrent callers share one fetch.
public actor RefreshingCredentials: AWSCredentialSource {
    let fetch: @Sendable () async throws(AWSError) -> AWSCredentials
    let margin: TimeInterval
    let now: @Sendable () -> Date
    var cached: AWSCredentials?
    var inFlight: Task<AWSCredentials, any Error>?

    /// - Parameters:
    ///   - margin: seconds before expiry at which the credentials are replaced (5 minutes, as the AWS SDKs do).
    public init(
        margin: TimeInterval = 300, now: @escaping @Sendable () -> Date = { Date() },
        fetch: @escaping @Sendable () async throws(AWSError) -> AWSCredentials
    ) {
        self.fetch = fetch
        self.margin = margin
        self.now = now
    }

    public func credentials() async throws(AWSError) -> AWSCredentials {
        if let cached, !cached.needsRefresh(at: now(), margin: margin) { return cached }
        let task: Task<AWSCredentials, any Error>
        if let inFlight {
            task = inFlight
        } else {
            let fetch = self.fetch
            task = Task { try await fetch() }
            inFlight = task
        }
        do {
            let fresh = try await task.value
            cached = fresh
            inFlight = nil
            return fresh
        } catch {
            inFlight = nil
            throw (error as? AWSError) ?? AWSError(code: "CredentialsError", message: "\(error)", status: 0)
        }
    }
}
