import Crypto
import Foundation

/// Checks Slack's request signature (`X-Slack-Signature: v0=<hex>` over `v0:<timestamp>:<raw body>`, HMAC-SHA256
/// with the app's signing secret) and the freshness of `X-Slack-Request-Timestamp`. Pure: the clock is an argument;
/// replays of a valid signature are the caller's to refuse (``SlackInteractionLedger``).
struct SlackSignatureVerifier: Sendable {
    /// Why a request was refused; `code` is recorded in the audit event.
    enum Refusal: Error, Equatable, CustomStringConvertible {
        case missingHeaders
        case malformedTimestamp
        case staleTimestamp(ageSeconds: Int64)
        case badSignature

        var code: String {
            switch self {
            case .missingHeaders: "missing_signature"
            case .malformedTimestamp: "malformed_timestamp"
            case .staleTimestamp: "stale_timestamp"
            case .badSignature: "bad_signature"
            }
        }

        var description: String {
            switch self {
            case .missingHeaders: "X-Slack-Signature and X-Slack-Request-Timestamp are required"
            case .malformedTimestamp: "X-Slack-Request-Timestamp is not a whole number of seconds"
            case .staleTimestamp(let age): "X-Slack-Request-Timestamp is \(age) s away from now; at most 300 s are accepted"
            case .badSignature: "X-Slack-Signature does not match the body signed with the signing secret"
            }
        }
    }

    let signingSecret: SymmetricKey
    /// How far the timestamp may be from now, either way. Slack's guidance: 5 minutes.
    let windowSeconds: Int64

    init(signingSecret: String, windowSeconds: Int64 = 300) {
        self.signingSecret = SymmetricKey(data: Data(signingSecret.utf8))
        self.windowSeconds = windowSeconds
    }

    /// The verified timestamp (seconds since the epoch) of a request whose headers and body are as given.
    func verify(body: [UInt8], timestamp: String?, signature: String?, now: Date) throws(Refusal) -> Int64 {
        guard let timestamp, let signature, !timestamp.isEmpty, !signature.isEmpty else { throw .missingHeaders }
        guard timestamp.count <= 12, timestamp.allSatisfy(\.isASCII), let seconds = Int64(timestamp) else { throw .malformedTimestamp }
        let age = Int64(now.timeIntervalSince1970.rounded(.down)) - seconds
        guard abs(age) <= windowSeconds else { throw .staleTimestamp(ageSeconds: age) }
        guard signature.hasPrefix("v0="), let presented = Self.bytes(hex: signature.dropFirst(3)) else { throw .badSignature }
        let base = Array("v0:\(timestamp):".utf8) + body
        guard HMAC<SHA256>.isValidAuthenticationCode(presented, authenticating: base, using: signingSecret) else { throw .badSignature }
        return seconds
    }

    /// The `v0=<hex>` signature of `body` at `timestamp` (what Slack sends; tests sign with it).
    func signature(body: [UInt8], timestamp: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array("v0:\(timestamp):".utf8) + body, using: signingSecret)
        return "v0=" + code.map { String(format: "%02x", $0) }.joined()
    }

    /// Lower- or upper-case hex of exactly 32 bytes; nil otherwise.
    static func bytes(hex: Substring) -> [UInt8]? {
        guard hex.utf8.count == 64, hex.allSatisfy(\.isHexDigit) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(32)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            out.append(byte)
            index = next
        }
        return out
    }
}
