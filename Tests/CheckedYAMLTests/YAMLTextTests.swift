import CheckedYAML
import Testing

/// The checks that keep `Yams.load`'s trap and unbounded recursion away from jitsudo's YAML (see ``YAMLText``).
@Suite struct YAMLTextTests {
    /// Each of these traps `Yams.load` (found by the libFuzzer target `config`, Tests/Fuzz/Regressions/config).
    @Test(arguments: ["? {a: b}\n: c\n", "k: v\n? [1, 2]\n: x\n", "outer:\n  ? {x: 1}\n  : y\n"])
    func aMappingKeyThatIsNotAPlainValueIsAnError(text: String) {
        #expect(throws: YAMLTextError.self) { try YAMLText.load(text) }
    }

    @Test func nestingBeyondTheLimitIsAnError() {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: YAMLTextError.self) { try YAMLText.load(deep) }
        #expect(throws: Never.self) { try YAMLText.load(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)) }
    }

    @Test func plainYAMLReadsAsYamsLoadReadsIt() throws {
        let value = try YAMLText.load("a: 1\nb: [x, true]\nc:\n  d: null\nanchor: &k {e: f}\nuse: *k\n") as? [String: Any]
        #expect(value?["a"] as? Int == 1)
        #expect((value?["b"] as? [Any])?.first as? String == "x")
        #expect((value?["b"] as? [Any])?.last as? Bool == true)
        #expect((value?["use"] as? [String: Any])?["e"] as? String == "f")
        #expect(try YAMLText.load("") == nil)
    }
}
