import Foundation
import JitsudoAPI
import JitsudoCore
import PropertyBased
import Testing

@testable import JitsudoServer

/// The request responses' own JSON writer writes byte for byte what the API's `JSONEncoder` writes, for values with
/// every kind of text a request can carry.
@Suite struct JSONTextTests {
    /// Scalars a writer can get wrong: every control character, quote, backslash, slash, DEL, line separators,
    /// combining marks (String order is not byte order for them), and text outside the basic plane.
    static let awkward: [Unicode.Scalar] =
        (0..<0x20).map { Unicode.Scalar(UInt8($0)) }
        + ["\"", "\\", "/", "\u{7F}", "\u{2028}", "\u{2029}", "\u{0301}", "\u{00E9}", "e", "\u{FEFF}", "\u{1F511}", "\u{10FFFF}", "a", "Z", "0", " "]

    static func text(_ random: inout Xoshiro, maxLength: Int = 12) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...maxLength, using: &random) {
            scalars.append(awkward.randomElement(using: &random)!)
        }
        return String(scalars)
    }

    static func timestamp(_ random: inout Xoshiro) -> String {
        AuditTimestamp(microsecondsSinceEpoch: Int64.random(in: 0...4_000_000_000_000_000, using: &random)).canonicalText
    }

    static func request(_ random: inout Xoshiro) -> WireRequest {
        var metadata: [String: String] = [:]
        for _ in 0..<Int.random(in: 0...6, using: &random) { metadata[text(&random, maxLength: 4)] = text(&random) }
        let stored = ElevationRequest(
            id: RequestID.generate(milliseconds: 1_790_000_000_000, using: &random),
            state: [.pending, .active, .revoked].randomElement(using: &random)!,
            requesterIdentity: text(&random), provider: text(&random), role: text(&random), resourceScope: text(&random),
            durationSeconds: Int64.random(in: 1...Int64.max, using: &random), reason: text(&random, maxLength: 40),
            breakGlass: Bool.random(using: &random), metadata: metadata,
            createdAt: AuditTimestamp(microsecondsSinceEpoch: Int64.random(in: 0...4_000_000_000_000_000, using: &random)),
            updatedAt: AuditTimestamp(microsecondsSinceEpoch: Int64.random(in: 0...4_000_000_000_000_000, using: &random)))
        var wire = WireRequest(
            stored,
            approvals: (0..<Int.random(in: 0...2, using: &random)).map { _ in
                WireApproval(approverIdentity: text(&random), comment: text(&random), createdAt: timestamp(&random))
            },
            revocationPending: Bool.random(using: &random), revocationError: text(&random))
        wire.approverIdentity = text(&random)
        wire.approverComment = text(&random)
        wire.aiReasoningJson = text(&random)
        wire.revokedBy = text(&random)
        wire.revokeReason = text(&random)
        wire.expiresAt = Bool.random(using: &random) ? timestamp(&random) : nil
        wire.issuedAt = Bool.random(using: &random) ? timestamp(&random) : nil
        wire.requiredApprovals = Int.random(in: Int.min...Int.max, using: &random)
        return wire
    }

    @Test func aRequestIsWrittenAsTheEncoderWritesIt() throws {
        var random = Xoshiro(seed: (18, 0, 0, 1))  // the same values on every run
        for _ in 0..<500 {
            let envelope = RequestEnvelope(request: Self.request(&random))
            let written = envelope.jsonBytes
            let encoded = try HTTPJSON.encoder.encode(envelope)
            let same = written == Array(encoded)  // bytes, not String ==, which equates canonically equivalent text
            #expect(same, "written: \(String(decoding: written, as: UTF8.self))\nencoded: \(String(decoding: encoded, as: UTF8.self))")
            if !same { break }
        }
    }

    @Test func aListIsWrittenAsTheEncoderWritesIt() throws {
        var random = Xoshiro(seed: (1000, 0, 0, 1))
        for count in [0, 1, 3] {
            let list = RequestList(requests: (0..<count).map { _ in Self.request(&random) }, nextPageToken: Self.text(&random))
            let same = list.jsonBytes == Array(try HTTPJSON.encoder.encode(list))
            #expect(same, "a list of \(count)")
        }
    }

    /// The written text reads back as the same value through the API client's decoder.
    @Test func theWrittenTextReadsBackUnchanged() throws {
        var random = Xoshiro(seed: (7, 0, 0, 1))
        for _ in 0..<100 {
            let envelope = RequestEnvelope(request: Self.request(&random))
            #expect(try JSONDecoder().decode(RequestEnvelope.self, from: Data(envelope.jsonBytes)) == envelope)
        }
    }
}
