import BoundedJSON
import Foundation
import Testing

/// The nesting check that keeps untrusted JSON away from the JSONDecoder trap (see ``JSONNesting``).
@Suite struct JSONNestingTests {
    @Test(arguments: [
        ("[[1]]", 2, false), ("[[[1]]]", 2, true), (#"{"a":{"b":[]}}"#, 3, false), (#"{"a":{"b":[{}]}}"#, 3, true),
        (#"["[[[[[[", "{{{{"]"#, 1, false), (#"["\"[[[", 1]"#, 1, false), (#"["\\", [[1]]]"#, 2, true), ("]]]][[", 2, false),
        ("", 0, false), ("[", 0, true),
    ])
    func countsArraysAndObjectsButNotBracketsInStrings(text: String, limit: Int, exceeds: Bool) {
        #expect(JSONNesting.exceeds(limit, in: Array(text.utf8)) == exceeds, "\(text)")
    }

    /// 513 `[` is the input that traps Foundation's JSONDecoder: bounded, it is a thrown error, and the process lives.
    @Test func theDocumentThatTrapsJSONDecoderIsRefusedBeforeItsScanner() {
        for document in [String(repeating: "[", count: 513), String(repeating: #"{"a":"#, count: 512) + "["] {
            #expect(throws: JSONNestingError.self) { try JSONDecoder().decodeBounded([String: Int].self, from: Data(document.utf8)) }
        }
    }

    @Test func nestingWithinTheLimitDecodesAsBefore() throws {
        let nested = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        _ = try JSONDecoder().decodeBounded([[[Int]]].self, from: Data("[[[1,2]]]".utf8))
        #expect(throws: DecodingError.self) { try JSONDecoder().decodeBounded([Int].self, from: Data(nested.utf8)) }
        #expect(try JSONDecoder().decodeBounded([String: String].self, from: Data(#"{"k":"[[[[{{"}"#.utf8)) == ["k": "[[[[{{"])
    }
}
