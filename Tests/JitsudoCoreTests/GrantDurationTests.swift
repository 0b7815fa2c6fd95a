import JitsudoCore
import Testing

@Suite struct GrantDurationTests {
    @Test(
        arguments: [
            ("30m", 1_800), ("1h", 3_600), ("2h30m", 9_000), ("90s", 90), ("1d", 86_400), ("7d", 604_800), ("1h30m", 5_400),
            ("1d2h3m4s", 93_784), ("0h1s", 1),
        ] as [(String, Int64)])
    func parsesNumberUnitGroups(text: String, seconds: Int64) throws {
        #expect(try GrantDuration.parse(text).seconds == seconds)
    }

    @Test(arguments: ["", "30", "1x", "h", "1h1h", "30m1h", "1.5h", "-1h", "1 h", "1H", "9999999999s", "400d", "0s"])
    func rejectsMalformedOrOutOfRange(text: String) {
        #expect(throws: CoreError(.invalidDuration, "")) { try GrantDuration.parse(text) }
    }

    @Test func errorMessagesSayWhatToWrite() {
        do {
            _ = try GrantDuration.parse("30")
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "duration '30' needs a unit after 30; write 30s, 30m or 30h")
        }
    }

    @Test func boundsAreInclusiveAndNamedInTheError() throws {
        #expect(try GrantDuration.parse("2h", bounds: 60...7_200).seconds == 7_200)
        do {
            _ = try GrantDuration.parse("3h", bounds: 60...7_200)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("between 1m and 2h"))
        }
    }

    @Test(
        arguments: [(9_000, "2h30m", "2h30m0s"), (90, "1m30s", "1m30s"), (86_400, "1d", "24h0m0s"), (45, "45s", "45s"), (7_200, "2h", "2h0m0s")]
            as [(Int64, String, String)])
    func printsCompactAndGoForms(seconds: Int64, compact: String, go: String) throws {
        let duration = GrantDuration(uncheckedSeconds: seconds)
        #expect(duration.compact == compact)
        #expect(duration.goStyle == go)
        #expect(try GrantDuration.parse(duration.compact) == duration)
    }
}
