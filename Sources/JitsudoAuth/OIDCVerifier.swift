public import AsyncHTTPClient
public import Foundation
public import Logging
import NIOCore
import NIOHTTP1
import BoundedJSON

/// Verifies OIDC ID tokens presented as `Authorization: Bearer` (API spec §2).
///
/// Keys come from the issuer's discovery document and JWKS. They are fetched lazily on the first
/// verification (an unreachable identity provider never blocks startup), cached, re-fetched when older than
/// ``OIDCConfiguration/jwksRefreshInterval``, and re-fetched at most once per
/// ``OIDCConfiguration/minimumRefetchInterval`` when a token names an unknown `kid` or a fetch failed.
/// A JWKS without `kid` works: each key of the matching type is tried.
public actor OIDCVerifier {
    private struct KeySet: Sendable {
        var keys: [JSONWebKey]
        /// `id_token_signing_alg_values_supported`; OIDC's default is RS256 alone.
        var publishedAlgorithms: Set<String>
        var fetchedAt: Date
    }

    public let configuration: OIDCConfiguration
    private let httpClient: HTTPClient
    private let logger: Logger
    private var keySet: KeySet?
    private var lastFetchAttempt: Date?
    private var inFlight: Task<KeySet, any Error>?
    /// Tokens verified with the current keys (``VerifiedTokenCache``): checked before the actor is entered.
    private let verified = VerifiedTokenCache()

    /// Creates a verifier; performs no I/O.
    public init(configuration: OIDCConfiguration, httpClient: HTTPClient = .shared, logger: Logger) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
    }

    /// Parses an `Authorization` header value and verifies its bearer token.
    public nonisolated func verify(authorizationHeader: String?, now: Date) async throws -> VerifiedIdentity {
        try await verify(bearerToken: BearerToken.parse(authorizationHeader: authorizationHeader), now: now)
    }

    /// Verifies a compact-serialised ID token at time `now`, throwing ``AuthError`` on refusal. A token this verifier
    /// verified before with the current keys, whose time claims still hold, is answered without entering the actor.
    public nonisolated func verify(bearerToken token: String, now: Date) async throws -> VerifiedIdentity {
        if let identity = verified.identity(for: token, now: now) { return identity }
        return try await verifyFully(token, now: now)
    }

    /// Parses, checks the signature against the issuer's keys (fetching them when due) and checks the claims; a token
    /// that passes is remembered.
    private func verifyFully(_ token: String, now: Date) async throws -> VerifiedIdentity {
        guard !token.isEmpty else { throw AuthError(.missingToken, "missing bearer token") }
        let jws = try CompactJWS(token, maximumLength: configuration.maximumTokenLength)
        guard configuration.allowedAlgorithms.contains(jws.algorithm) else {
            throw AuthError(.unsupportedAlgorithm, "token algorithm \(jws.algorithm) is not allowed")
        }
        var keys = try await currentKeys(now: now)
        guard keys.publishedAlgorithms.contains(jws.algorithm) else {
            throw AuthError(.unsupportedAlgorithm, "token algorithm \(jws.algorithm) is not published by the issuer")
        }
        if Self.verifies(jws, with: keys.keys) {
            return try accepted(token, jws, keys: keys, now: now)
        }
        // Unknown kid, or (without kid) no key verifies: the issuer may have rotated its keys.
        let knownKid = jws.keyID.map { kid in keys.keys.contains { $0.keyID == kid } } ?? false
        if !knownKid, canRefetch(now: now) {
            logger.info("refreshing issuer keys for an unknown signing key", metadata: ["oidc.issuer": "\(configuration.issuer)"])
            if let refreshed = try? await fetch(now: now) {
                keys = refreshed
                if Self.verifies(jws, with: keys.keys) {
                    return try accepted(token, jws, keys: keys, now: now)
                }
            }
        }
        if let kid = jws.keyID, !keys.keys.contains(where: { $0.keyID == kid }) {
            throw AuthError(.invalidSignature, "token is signed by a key the issuer does not publish")
        }
        throw AuthError(.invalidSignature, "token signature is not valid")
    }

    /// The identity of a token whose signature `keys` verified, once its claims pass; remembered while they hold.
    private func accepted(_ token: String, _ jws: CompactJWS, keys: KeySet, now: Date) throws -> VerifiedIdentity {
        let identity = try TokenClaims.identity(from: jws.claims, configuration: configuration, now: now)
        if let validity = TokenClaims.validity(of: jws.claims, leeway: configuration.leeway) {
            let keysCurrentUntil = keys.fetchedAt.timeIntervalSince1970 + configuration.jwksRefreshInterval
            verified.remember(
                token, as: .init(identity: identity, validFrom: validity.from, validUntil: validity.until, keysCurrentUntil: keysCurrentUntil),
                now: now)
        }
        return identity
    }

    /// Fetches discovery and keys now, e.g. to warm the cache; failures are thrown but never fatal.
    public func refreshKeys(now: Date) async throws {
        _ = try await fetch(now: now)
    }

    private static func verifies(_ jws: CompactJWS, with keys: [JSONWebKey]) -> Bool {
        let candidates = keys.filter { key in
            key.canVerify(algorithm: jws.algorithm) && (jws.keyID == nil || key.keyID == nil || key.keyID == jws.keyID)
        }
        // A token naming a kid is checked against that key first; keys without kid stay candidates.
        return candidates.contains { $0.isValidSignature(jws.signature, for: jws.signingInput, algorithm: jws.algorithm) }
    }

    private func canRefetch(now: Date) -> Bool {
        guard let last = lastFetchAttempt else { return true }
        return now.timeIntervalSince(last) >= configuration.minimumRefetchInterval || now < last
    }

    private func currentKeys(now: Date) async throws -> KeySet {
        if let keySet, now.timeIntervalSince(keySet.fetchedAt) < configuration.jwksRefreshInterval {
            return keySet
        }
        guard canRefetch(now: now) || inFlight != nil else {
            if let keySet { return keySet }
            throw AuthError(.identityProviderUnavailable, "identity provider is unavailable; retry shortly")
        }
        do {
            return try await fetch(now: now)
        } catch {
            if let keySet {
                logger.warning("keeping cached issuer keys after a failed refresh", metadata: ["oidc.issuer": "\(configuration.issuer)"])
                return keySet
            }
            throw error
        }
    }

    /// Fetches discovery + JWKS once; concurrent callers share the same fetch.
    private func fetch(now: Date) async throws -> KeySet {
        if let inFlight { return try await inFlight.value }
        lastFetchAttempt = now
        let task = Task { [configuration, httpClient, logger] in
            try await Self.download(configuration: configuration, httpClient: httpClient, logger: logger, now: now)
        }
        inFlight = task
        defer { inFlight = nil }
        let result = try await task.value
        keySet = result
        verified.removeAll()  // tokens verified with the keys before are verified again with these
        return result
    }

    private struct Discovery: Decodable {
        var issuer: String?
        var jwks_uri: String
        var id_token_signing_alg_values_supported: [String]?
    }

    private static func download(
        configuration: OIDCConfiguration, httpClient: HTTPClient, logger: Logger, now: Date
    ) async throws -> KeySet {
        let discoveryURL = configuration.effectiveDiscoveryURL
        let discovery: Discovery
        do {
            let body = try await get(discoveryURL, httpClient: httpClient, timeout: configuration.fetchTimeout)
            discovery = try JSONDecoder().decodeBounded(Discovery.self, from: body)
        } catch {
            logger.error(
                "cannot read the identity provider's discovery document",
                metadata: ["oidc.discovery_url": "\(discoveryURL)", "error": "\(error)"]
            )
            throw AuthError(.identityProviderUnavailable, "identity provider discovery failed; retry shortly")
        }
        if discovery.issuer != configuration.issuer {
            logger.warning(
                "discovery document names another issuer; tokens must still carry the configured issuer",
                metadata: ["oidc.issuer": "\(configuration.issuer)", "oidc.discovered_issuer": "\(discovery.issuer ?? "")"]
            )
        }
        let keys: [JSONWebKey]
        do {
            let body = try await get(discovery.jwks_uri, httpClient: httpClient, timeout: configuration.fetchTimeout)
            let parsed = try JSONWebKey.parseSet(body)
            keys = parsed.keys
            logger.debug("fetched issuer keys", metadata: ["oidc.keys": "\(parsed.keys.count)", "oidc.keys_skipped": "\(parsed.skipped)"])
        } catch {
            logger.error("cannot read the identity provider's JWKS", metadata: ["oidc.jwks_uri": "\(discovery.jwks_uri)", "error": "\(error)"])
            throw AuthError(.identityProviderUnavailable, "identity provider keys could not be fetched; retry shortly")
        }
        let published = Set(discovery.id_token_signing_alg_values_supported ?? ["RS256"])
        return KeySet(keys: keys, publishedAlgorithms: published, fetchedAt: now)
    }

    private struct HTTPStatusError: Error, CustomStringConvertible {
        var status: UInt
        var description: String { "HTTP status \(status)" }
    }

    private static func get(_ url: String, httpClient: HTTPClient, timeout: TimeInterval) async throws -> Data {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await httpClient.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
        guard response.status.code == 200 else { throw HTTPStatusError(status: response.status.code) }
        let buffer = try await response.body.collect(upTo: 1 << 20)
        return Data(buffer.readableBytesView)
    }
}
