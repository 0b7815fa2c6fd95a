public import Foundation

/// An Entra access token for one scope (`https://management.azure.com/.default`) and when it expires.
public struct AccessToken: Sendable, Hashable {
    public var token: String
    public var expiresOn: Date
    /// When it was issued (for the refresh rule).
    public var issuedAt: Date

    public init(token: String, expiresOn: Date, issuedAt: Date) {
        self.token = token
        self.expiresOn = expiresOn
        self.issuedAt = issuedAt
    }

    /// Whether to fetch a new one before using it at `now`: within five minutes of its end, or past half its life
    /// for tokens shorter than ten minutes, so a call never goes out with a token about to expire.
    public func needsRefresh(at now: Date) -> Bool {
        let lifetime = expiresOn.timeIntervalSince(issuedAt)
        let margin = min(300, lifetime / 2)
        return now >= expiresOn.addingTimeInterval(-margin)
    }
}

/// One cached token per scope; concurrent callers share one fetch.
actor AccessTokenCache {
    private var tokens: [String: AccessToken] = [:]
    private var inFlight: [String: Task<AccessToken, any Error>] = [:]

    /// The cached token for `scope` unless it needs refreshing at `now`, else the result of `fetch`.
    func token(for scope: String, now: Date, fetch: @escaping @Sendable () async throws -> AccessToken) async throws -> AccessToken {
        if let token = tokens[scope], !token.needsRefresh(at: now) { return token }
        if let task = inFlight[scope] { return try await task.value }
        // Unstructured on purpose (single flight): every concurrent caller awaits this one fetch, and one caller's
        // cancellation must not cancel the fetch the others wait for.
        let task = Task { try await fetch() }
        inFlight[scope] = task
        defer { inFlight[scope] = nil }
        let token = try await task.value
        tokens[scope] = token
        return token
    }

    /// Forgets the token of `scope` (the API answered 401 with it).
    func invalidate(_ scope: String) { tokens[scope] = nil }
}
