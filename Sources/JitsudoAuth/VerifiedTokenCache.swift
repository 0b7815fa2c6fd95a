import Crypto
import Foundation
import Synchronization

/// Tokens an ``OIDCVerifier`` has verified, so that a caller presenting the same token again (automation does, for
/// every call until it expires) is not parsed, signature-checked and claim-checked each time, nor queued on the
/// verifier's actor.
///
/// A remembered token answers only what a full verification would answer at that moment:
/// - its time claims are checked again against `now`, with the same leeway: `nbf` and `iat` (at most `now + leeway`)
///   and `exp` (`now` before `exp + leeway`); outside that window the full verification runs and says why;
/// - it is used only while the key set that verified it is current (`fetchedAt + jwksRefreshInterval`): after that
///   the full path fetches the keys again, and every fetch forgets every token, so a key the issuer withdrew stops
///   verifying its tokens exactly when it would have without this cache;
/// - issuer, audience and the identity claims do not depend on time: what passed once passes again.
///
/// Keys are the tokens' SHA-256 digests (a token can be kilobytes); at most `capacity` are held, expired ones dropped
/// first when full, else all.
final class VerifiedTokenCache: Sendable {
    struct Entry: Sendable {
        let identity: VerifiedIdentity
        /// Seconds since the epoch: the token is valid from (inclusive) and until (exclusive), leeway included.
        let validFrom: Double
        let validUntil: Double
        /// When the key set that verified it stops being current.
        let keysCurrentUntil: Double

        func answers(at now: Double) -> Bool { validFrom <= now && now < validUntil && now < keysCurrentUntil }
    }

    let capacity: Int
    private let entries = Mutex<[SHA256.Digest: Entry]>([:])

    init(capacity: Int = 10_000) { self.capacity = capacity }

    /// The identity `token` verified to, if it was verified with the current keys and its time claims hold at `now`.
    func identity(for token: String, now: Date) -> VerifiedIdentity? {
        let key = SHA256.hash(data: Data(token.utf8))
        let seconds = now.timeIntervalSince1970
        return entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            guard entry.answers(at: seconds) else {
                entries.removeValue(forKey: key)
                return nil
            }
            return entry.identity
        }
    }

    /// Remembers a token that has just passed full verification at `now`.
    func remember(_ token: String, as entry: Entry, now: Date) {
        guard entry.answers(at: now.timeIntervalSince1970) else { return }
        let key = SHA256.hash(data: Data(token.utf8))
        let seconds = now.timeIntervalSince1970
        entries.withLock { entries in
            if entries.count >= capacity {
                entries = entries.filter { $0.value.answers(at: seconds) }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[key] = entry
        }
    }

    /// Forgets every token (the key set changed).
    func removeAll() { entries.withLock { $0.removeAll(keepingCapacity: true) } }
}
