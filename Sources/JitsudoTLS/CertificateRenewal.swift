public import Foundation
import X509
// SwiftASN1 (PEM) comes with swift-certificates; X509 does not re-export it.
import SwiftASN1

/// Whether a served certificate must be replaced, and why.
public struct RenewalDecision: Sendable, Equatable {
    public enum Reason: String, Sendable {
        case missing, invalid, wrongNames, withinRenewalWindow, expired, notYetValid, valid
    }

    public var needsRenewal: Bool
    public var reason: Reason
    /// A sentence for logs and status conditions.
    public var message: String
}

/// Decides renewal of a PEM certificate (pure; the operator reconciles on it).
///
/// - missing: no certificate; invalid: not parsable; wrongNames: a requested DNS name is not a SAN;
///   expired; withinRenewalWindow: expires within `renewBefore`; otherwise valid.
public func needsRenewal(certificatePEM: String?, now: Date, renewBefore: TimeInterval, dnsNames: [String]) -> RenewalDecision {
    guard let certificatePEM, !certificatePEM.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
        return RenewalDecision(needsRenewal: true, reason: .missing, message: "no certificate present")
    }
    guard let certificate = try? Certificate(pemEncoded: certificatePEM) else {
        return RenewalDecision(needsRenewal: true, reason: .invalid, message: "certificate is not valid PEM")
    }
    var present = Set<String>()
    if let sans = try? certificate.extensions.subjectAlternativeNames {
        for name in sans {
            if case .dnsName(let dns) = name { present.insert(dns.lowercased()) }
        }
    }
    let missing = dnsNames.filter { !present.contains($0.lowercased()) }
    if !missing.isEmpty {
        return RenewalDecision(
            needsRenewal: true, reason: .wrongNames, message: "certificate lacks DNS names: \(missing.joined(separator: ", "))"
        )
    }
    if certificate.notValidAfter <= now {
        return RenewalDecision(needsRenewal: true, reason: .expired, message: "certificate expired at \(certificate.notValidAfter)")
    }
    if certificate.notValidBefore > now {
        return RenewalDecision(
            needsRenewal: true, reason: .notYetValid, message: "certificate is not valid before \(certificate.notValidBefore)"
        )
    }
    if certificate.notValidAfter.timeIntervalSince(now) <= renewBefore {
        return RenewalDecision(
            needsRenewal: true, reason: .withinRenewalWindow, message: "certificate expires at \(certificate.notValidAfter)"
        )
    }
    return RenewalDecision(needsRenewal: false, reason: .valid, message: "certificate valid until \(certificate.notValidAfter)")
}
