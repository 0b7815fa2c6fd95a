import Foundation
import JitsudoCore
import PropertyBased
import Testing

@Suite struct AuditChainVectorTests {
    static let vector1 = AuditEvent(
        id: 1, timestamp: AuditTimestamp(parsing: "2026-03-20T16:00:00.000000Z")!, actorIdentity: "alice@example.com",
        action: "request.created", requestID: "req_01JQ0000000000000000000000", provider: "mock", resourceScope: "test-scope",
        outcome: .success,
        detailsJSON:
            #"{"break_glass":false,"duration_seconds":3600,"provider":"mock","reason":"INC-4421","resource_scope":"test-scope","role":"admin"}"#,
        prevHash: "", hash: ""
    )

    @Test func vector1HashesAsSpecified() {
        #expect(AuditChain.hash(of: Self.vector1) == "f470d7a0f09a849bc7fb812e118266de0cead330624bce9e45296134796981ac")
        let preimage = AuditChain.preimage(of: Self.vector1)
        #expect(preimage.count == 299)
        let expectedStart: [UInt8] = [0, 0, 0, 16] + Array("jitsudo.audit.v2".utf8) + [0, 0, 0, 0, 0, 0, 0, 1, 0x31, 0, 0, 0, 0x1b]
        #expect(Array(preimage.prefix(expectedStart.count)) == expectedStart)
    }

    @Test func vector2CarriesMultiByteUTF8() {
        let event = AuditEvent(
            id: 2, timestamp: AuditTimestamp(parsing: "2026-03-20T16:01:02.123456Z")!, actorIdentity: "bob@example.com",
            action: "request.approved", requestID: "req_01JQ0000000000000000000000", provider: "mock", resourceScope: "test-scope",
            outcome: .success, detailsJSON: "{\"comment\":\"LGTM \u{2713}\"}",
            prevHash: "f470d7a0f09a849bc7fb812e118266de0cead330624bce9e45296134796981ac", hash: ""
        )
        #expect(AuditChain.hash(of: event) == "ce74d35176a6a24eacf99ea6b44dcf293a720d3a005e2f611cf87944f4aea9f5")
    }

    @Test func vector3HashesNullRequestAsEmpty() {
        let event = AuditEvent(
            id: 5, timestamp: AuditTimestamp(parsing: "2026-03-20T18:00:00.000001Z")!, actorIdentity: "system",
            action: "grant.expired", requestID: nil, provider: "", resourceScope: "", outcome: .success, detailsJSON: "{}",
            prevHash: "ce74d35176a6a24eacf99ea6b44dcf293a720d3a005e2f611cf87944f4aea9f5", hash: ""
        )
        #expect(AuditChain.hash(of: event) == "d0baab45bcd65691debae4fc4aecb83732e00941d5483c66c700646340fe5707")
    }

    @Test func detailsAreSortedCompactAndKeepUnicode() {
        let details: AuditDetails = ["role": "admin", "break_glass": false, "duration_seconds": 3600, "comment": "a \"q\"\n\u{2713}"]
        #expect(details.jsonText == #"{"break_glass":false,"comment":"a \"q\"\n✓","duration_seconds":3600,"role":"admin"}"#)
        #expect(AuditDetails().jsonText == "{}")
    }

    /// Every ASCII character alone and inside text, and text beyond ASCII: the quoted form is JSON that reads back as
    /// the same string, with exactly the minimal escapes (quote, backslash, control characters) and nothing else escaped.
    @Test func quotingEscapesExactlyWhatJSONRequires() throws {
        let samples =
            (0..<128).flatMap { code -> [String] in
                let character = String(UnicodeScalar(UInt8(code)))
                return [character, "id-" + character + "-tail"]
            } + ["", "plain", "ключ ✓ 🔑", "a/b", "\u{7F}", "\u{2028}"]
        for sample in samples {
            let quoted = AuditDetails.quote(sample)
            let read = try JSONDecoder().decode(String.self, from: Data(quoted.utf8))
            #expect(read == sample, "\(quoted)")
            let escapes = sample.unicodeScalars.filter { $0.value < 0x20 || $0 == "\"" || $0 == "\\" }.count
            #expect(quoted.filter { $0 == "\\" }.count == escapes + sample.filter { $0 == "\\" }.count, "\(quoted)")
        }
        let keyed: AuditDetails = ["é": 1, "a": 2, "B": 3, "ab": 4, "": 5]
        #expect(keyed.jsonText == #"{"":5,"B":3,"a":2,"ab":4,"é":1}"#, "keys in byte order")
    }

    @Test(arguments: ["1970-01-01T00:00:00.000000Z", "2026-03-20T16:01:02.123456Z", "2000-02-29T23:59:59.999999Z", "1969-12-31T23:59:59.999999Z"])
    func timestampsRoundTripThroughTheCanonicalText(text: String) throws {
        let parsed = try #require(AuditTimestamp(parsing: text))
        #expect(parsed.canonicalText == text)
    }

    @Test func timestampsParseOtherPrecisionsByTruncation() {
        #expect(AuditTimestamp(parsing: "2026-03-20T16:00:00Z")?.canonicalText == "2026-03-20T16:00:00.000000Z")
        #expect(AuditTimestamp(parsing: "2026-03-20T16:00:00.5Z")?.canonicalText == "2026-03-20T16:00:00.500000Z")
        #expect(AuditTimestamp(parsing: "2026-03-20T16:00:00.123456789Z")?.canonicalText == "2026-03-20T16:00:00.123456Z")
        #expect(AuditTimestamp(parsing: "2026-02-30T16:00:00Z") == nil)
        #expect(AuditTimestamp(parsing: "2026-03-20 16:00:00Z") == nil)
    }

    @Test func anEmptyLogVerifiesAgainstTheGenesisHead() {
        let result = AuditChain.verify([], head: .genesis)
        #expect(result.intact)
        #expect(result.summary == "Chain intact: 0 events verified")
    }
}

/// Builds a valid chain of `count` events from a seed.
func makeChain(count: Int, seed: UInt64) -> [AuditEvent] {
    var random = SplitMix(seed: seed)
    var head = AuditChain.Head.genesis
    var events: [AuditEvent] = []
    let actors = ["alice@example.com", "bob@example.com", "system", "mcp-agent", "ünïcødé@example.com"]
    let actions = [AuditAction.requestCreated, AuditAction.requestApproved, AuditAction.grantIssued, AuditAction.grantExpired]
    for index in 0..<count {
        let draft = AuditDraft(
            actor: actors[Int(random.next() % UInt64(actors.count))],
            action: actions[Int(random.next() % UInt64(actions.count))],
            requestID: random.next() % 4 == 0 ? nil : "req_01JQ\(String(repeating: "0", count: 21))\(index % 10)",
            provider: random.next() % 2 == 0 ? "mock" : "",
            resourceScope: "scope|\(random.next() % 100)",
            outcome: random.next() % 5 == 0 ? .failure : .success,
            details: ["n": .int(Int64(random.next() % 1000)), "text": .string("x\u{2713}|\(index)")]
        )
        let event = AuditChain.link(draft, after: head, at: AuditTimestamp(microsecondsSinceEpoch: 1_774_000_000_000_000 + Int64(index) * 1_000_003))
        head = AuditChain.Head(lastID: event.id, lastHash: event.hash)
        events.append(event)
    }
    return events
}

func headOf(_ events: [AuditEvent]) -> AuditChain.Head {
    events.last.map { AuditChain.Head(lastID: $0.id, lastHash: $0.hash) } ?? .genesis
}

/// Changes field `field` (0…10) of `event` to a different value.
func tamper(_ event: inout AuditEvent, field: Int) {
    switch field {
    case 0: event.id += 1
    case 1: event.timestamp = AuditTimestamp(microsecondsSinceEpoch: event.timestamp.microseconds + 1)
    case 2: event.actorIdentity += "x"
    case 3: event.action = event.action == "grant.revoked" ? "grant.expired" : "grant.revoked"
    // NULL and "" hash alike by design (audit.md §1); the schema forbids storing "".
    case 4: event.requestID = event.requestID.map { $0 + "x" } ?? "req_x"
    case 5: event.provider += "x"
    case 6: event.resourceScope = "|" + event.resourceScope
    case 7: event.outcome = event.outcome == .success ? .failure : .success
    case 8: event.detailsJSON = event.detailsJSON.replacingOccurrences(of: "{", with: "{ ")
    case 9: event.prevHash = event.prevHash.isEmpty ? String(repeating: "0", count: 64) : String(event.prevHash.reversed())
    default: event.hash = String(event.hash.reversed())
    }
}

@Suite struct AuditChainPropertyTests {
    @Test func validChainsVerify() async {
        await propertyCheck(input: Gen.int(in: 0...40), Gen.int(in: 0...Int.max)) { count, seed in
            let events = makeChain(count: count, seed: UInt64(seed))
            let result = AuditChain.verify(events, head: headOf(events))
            #expect(result.intact)
            #expect(result.eventsVerified == Int64(count))
        }
    }

    @Test func editingAnySingleFieldOfAnyEventIsDetectedAtThatEvent() async {
        await propertyCheck(count: 300, input: Gen.int(in: 1...30), Gen.int(in: 0...Int.max), Gen.int(in: 0...10)) { count, seed, field in
            var events = makeChain(count: count, seed: UInt64(seed))
            let head = headOf(events)
            let index = seed % count
            tamper(&events[index], field: field)
            let result = AuditChain.verify(events, head: head)
            #expect(!result.intact, "field \(field) of event \(index + 1) edited undetected")
            #expect(result.brokenAtEventID == Int64(index + 1), "field \(field): \(result.problem)")
        }
    }

    @Test func deletingAnEventIsDetected() async {
        await propertyCheck(input: Gen.int(in: 2...30), Gen.int(in: 0...Int.max)) { count, seed in
            var events = makeChain(count: count, seed: UInt64(seed))
            let head = headOf(events)
            let index = seed % count
            events.remove(at: index)
            let result = AuditChain.verify(events, head: head)
            #expect(!result.intact)
            if index == count - 1 {
                #expect(result.problem == "chain head expects event \(count) but the log ends at event \(count - 1)")
            } else {
                #expect(result.brokenAtEventID == Int64(index + 1))
                #expect(result.problem == "missing event \(index + 1)")
            }
        }
    }

    @Test func insertingAForgedEventIsDetected() async {
        await propertyCheck(input: Gen.int(in: 1...30), Gen.int(in: 0...Int.max)) { count, seed in
            var events = makeChain(count: count, seed: UInt64(seed))
            let head = headOf(events)
            let index = seed % count
            // A forger links a new event correctly after event `index` and shifts nothing else.
            let before = index == 0 ? AuditChain.Head.genesis : AuditChain.Head(lastID: events[index - 1].id, lastHash: events[index - 1].hash)
            let forged = AuditChain.link(
                AuditDraft(actor: "mallory@example.com", action: "grant.issued"), after: before,
                at: AuditTimestamp(microsecondsSinceEpoch: 1))
            events.insert(forged, at: index)
            #expect(!AuditChain.verify(events, head: head).intact)
        }
    }

    @Test func reorderingEventsIsDetectedAtTheFirstMovedEvent() async {
        await propertyCheck(input: Gen.int(in: 2...30), Gen.int(in: 0...Int.max)) { count, seed in
            var events = makeChain(count: count, seed: UInt64(seed))
            let head = headOf(events)
            let index = seed % (count - 1)
            events.swapAt(index, index + 1)
            let result = AuditChain.verify(events, head: head)
            #expect(!result.intact)
            #expect(result.brokenAtEventID == Int64(index + 1))
        }
    }

    @Test func aHeadThatDisagreesWithTheLogIsReported() {
        let events = makeChain(count: 5, seed: 7)
        var head = headOf(events)
        head.lastHash = String(repeating: "a", count: 64)
        let result = AuditChain.verify(events, head: head)
        #expect(result.summary == "Chain broken at event 5: chain head hash does not match event 5")
    }
}

/// A tiny deterministic generator so a property's chain is reproducible from its seed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The verifier's in-place pre-image and digest comparison against the plain field-by-field encoding of `audit.md` §2.
@Suite struct AuditChainPreimageTests {
    static func plainPreimage(_ event: AuditEvent) -> [UInt8] {
        let fields = [
            AuditChain.formatTag, event.prevHash, String(event.id), event.timestamp.canonicalText, event.actorIdentity, event.action,
            event.requestID ?? "", event.provider, event.resourceScope, event.outcome.rawValue, event.detailsJSON,
        ]
        return fields.flatMap { field -> [UInt8] in
            let count = UInt32(field.utf8.count)
            return [UInt8(count >> 24), UInt8((count >> 16) & 0xFF), UInt8((count >> 8) & 0xFF), UInt8(count & 0xFF)] + Array(field.utf8)
        }
    }

    @Test(arguments: [Int64(1), 9, 10, 99, 100, 12_345, 9_999_999_999, Int64.max])
    func theInPlaceEncodingIsTheSpecsForEveryIdWidth(id: Int64) {
        let event = AuditEvent(
            id: id, timestamp: AuditTimestamp(microsecondsSinceEpoch: 1_774_022_462_123_456), actorIdentity: "bob@example.com",
            action: "request.approved", requestID: id % 2 == 0 ? nil : "req_01JQ0000000000000000000000", provider: "mock",
            resourceScope: "test-scope", outcome: .success, detailsJSON: "{\"comment\":\"LGTM \u{2713}\"}", prevHash: "", hash: "")
        #expect(AuditChain.preimage(of: event) == Self.plainPreimage(event))
        var hashed = event
        hashed.hash = AuditChain.hash(of: event)
        var scratch: [UInt8] = [1, 2, 3]
        #expect(AuditChain.hashMatches(hashed, scratch: &scratch))
        hashed.hash = String(hashed.hash.dropLast()) + (hashed.hash.hasSuffix("0") ? "1" : "0")
        #expect(!AuditChain.hashMatches(hashed, scratch: &scratch))
        hashed.hash = hashed.hash.uppercased()
        #expect(!AuditChain.hashMatches(hashed, scratch: &scratch))
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000000Z"), (-1, "1969-12-31T23:59:59.999999Z"),
        (253_402_300_799_999_999, "9999-12-31T23:59:59.999999Z"), (-62_135_596_800_000_000, "0001-01-01T00:00:00.000000Z"),
        (951_868_799_000_001, "2000-02-29T23:59:59.000001Z"), (-62_167_219_200_000_000, "0000-01-01T00:00:00.000000Z"),
        // Outside years 0–9999: more digits, or a sign.
        (253_402_300_800_000_000, "10000-01-01T00:00:00.000000Z"), (-62_167_219_200_000_001, "-1-12-31T23:59:59.999999Z"),
    ])
    func canonicalTextIsWrittenDigitByDigit(micros: Int64, text: String) {
        #expect(AuditTimestamp(microsecondsSinceEpoch: micros).canonicalText == text)
        var appended: [UInt8] = [7]
        AuditTimestamp(microsecondsSinceEpoch: micros).appendCanonicalText(to: &appended)
        #expect(appended == [7] + Array(text.utf8), "appended after what the buffer held")
    }

    /// The canonical text reads back as the same instant, in every year 1–9999, and names the calendar fields
    /// Foundation's Gregorian calendar names for the same instant from 1900 to 2200.
    @Test func canonicalTextReadsBackAndAgreesWithFoundationsCalendar() throws {
        var random = SplitMix(seed: 18)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        for round in 0..<20_000 {
            let modern = round % 2 == 0
            let range: ClosedRange<Int64> =
                modern ? -2_208_988_800_000_000...7_258_118_399_999_999 : -62_135_596_800_000_000...253_402_300_799_999_999
            let micros = range.lowerBound + Int64(random.next() % UInt64(range.upperBound - range.lowerBound + 1))
            let time = AuditTimestamp(microsecondsSinceEpoch: micros)
            let text = time.canonicalText
            #expect(text.utf8.count == AuditTimestamp.canonicalLength && AuditTimestamp(parsing: text) == time, "\(micros): \(text)")
            guard modern else { continue }
            let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
            let fields = calendar.dateComponents(
                [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            let expected = String(
                format: "%04ld-%02ld-%02ldT%02ld:%02ld:%02ld.%06ldZ", fields.year ?? -1, fields.month ?? -1, fields.day ?? -1, fields.hour ?? -1,
                fields.minute ?? -1, fields.second ?? -1, Int(micros - seconds * 1_000_000))
            #expect(text == expected, "\(micros)")
        }
    }
}
