import JitsudoCore
import Testing

@Suite struct IdentifierTests {
    @Test func ulidEncodesTimeAndRandomnessInCrockfordBase32() {
        let zero = ULID(milliseconds: 0, randomness: Array(repeating: 0, count: 10))
        #expect(zero.text == "00000000000000000000000000")
        let max = ULID(milliseconds: (1 << 48) - 1, randomness: Array(repeating: 0xFF, count: 10))
        #expect(max.text == "7ZZZZZZZZZZZZZZZZZZZZZZZZZ")
        // The ULID specification's example: 1469922850259 ms → 01ARZ3NDEK.
        let known = ULID(milliseconds: 1_469_922_850_259, randomness: Array(repeating: 0, count: 10))
        #expect(known.text.hasPrefix("01ARZ3NDEK"))
        #expect(known.milliseconds == 1_469_922_850_259)
    }

    @Test func generatedRequestIdsParseAndSortByTime() throws {
        var generator = SystemRandomNumberGenerator()
        let earlier = RequestID.generate(milliseconds: 1_700_000_000_000, using: &generator)
        let later = RequestID.generate(milliseconds: 1_700_000_000_001, using: &generator)
        #expect(earlier.rawValue.count == 30)
        #expect(try RequestID(parsing: earlier.rawValue) == earlier)
        #expect(earlier < later)
    }

    @Test(arguments: [
        "", "req_", "req_01JQ", "pol_01JQ3Z8H6D5Y4C2B1A0F9E8D7C", "req_01JQ3Z8H6D5Y4C2B1A0F9E8D7I", "req_81JQ3Z8H6D5Y4C2B1A0F9E8D7C",
        "req_01jq3z8h6d5y4c2b1a0f9e8d7c",
    ])
    func malformedRequestIdsAreRefused(text: String) {
        #expect(throws: CoreError(.invalidIdentifier, "")) { try RequestID(parsing: text) }
    }

    @Test func policyIdsAcceptUlidsAndTheDevelopmentSeeds() throws {
        #expect(try PolicyID(parsing: "pol_dev_eligibility").rawValue == "pol_dev_eligibility")
        #expect(try PolicyID(parsing: "pol_01JQ3Z8H6D5Y4C2B1A0F9E8D7C").rawValue.count == 30)
        #expect(throws: CoreError.self) { try PolicyID(parsing: "pol_") }
        #expect(throws: CoreError.self) { try PolicyID(parsing: "pol_a-b") }
        #expect(throws: CoreError.self) { try PolicyID(parsing: "req_01JQ3Z8H6D5Y4C2B1A0F9E8D7C") }
    }

    @Test func policyNamesFollowTheSchemaRule() throws {
        try Policy.validateName("dev-allow-all.eligibility_v2")
        #expect(throws: CoreError.self) { try Policy.validateName("") }
        #expect(throws: CoreError.self) { try Policy.validateName("has space") }
        #expect(throws: CoreError.self) { try Policy.validateName(String(repeating: "a", count: 129)) }
        #expect(PolicyType(parsing: "approval") == .approval)
        #expect(PolicyType(parsing: "POLICY_TYPE_ELIGIBILITY") == .eligibility)
        #expect(PolicyType(parsing: "2") == .approval)
        #expect(PolicyType(parsing: "other") == nil)
    }
}
