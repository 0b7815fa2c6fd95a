import GoogleCloudClient
import Testing

@Suite struct JSONValueTests {
    @Test func compactTextRoundTripsExactlyKeepingOrderAndNumberLiterals() throws {
        let text = #"{"z":1,"a":[true,false,null,-0.5,1e3,12345678901234567890],"m":{"b":"x","a":"y"},"s":"é\"\\\n\u0001"}"#
        let value = try JSONValue.parse(text)
        #expect(value.text == text)
        #expect(value["a"]?.arrayValue?[3] == .number("-0.5"))
        #expect(value.objectMembers?.map(\.key) == ["z", "a", "m", "s"])
    }

    @Test func whitespaceAndEscapesAreReadAndWrittenCompactly() throws {
        let value = try JSONValue.parse(" { \"k\" : [ 1 , \"\\u00e9\\/\\ud83d\\ude00\" ] } ")
        #expect(value.text == "{\"k\":[1,\"é/😀\"]}")
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "\"abc", "{\"a\":1,\"a\":2}", "tru", "[1] 2", "\"\\x\"", "\"\\ud800\"",
        "\"a\u{01}b\"", "{a:1}",
    ])
    func malformedTextIsRejected(_ text: String) {
        #expect(throws: GoogleCloudError.self) { try JSONValue.parse(text) }
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(throws: GoogleCloudError.self) { try JSONValue.parse(deep) }
        let fine = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect((try? JSONValue.parse(fine)) != nil)
    }

    @Test func settingReplacesInPlaceAndAppendsNewKeysLast() throws {
        let value = try JSONValue.parse(#"{"a":1,"b":2}"#)
        #expect(value.setting("a", to: .integer(9)).text == #"{"a":9,"b":2}"#)
        #expect(value.setting("c", to: .null).text == #"{"a":1,"b":2,"c":null}"#)
        #expect(value.removing("a").text == #"{"b":2}"#)
        #expect(JSONValue.array([]).setting("a", to: .null) == .array([]))
    }
}
