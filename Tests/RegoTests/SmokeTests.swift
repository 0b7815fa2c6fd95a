import Testing
import Rego

@Test func simpleAllowRuleEvaluatesToTrue() throws {
    let set = try RegoCompiler.compile([RegoModule(name: "a.rego", source: "package a\nallow if input.x == 1\n")])
    let q = try set.prepare(query: "data.a.allow")
    #expect(try q.evaluateValue(input: try RegoValue(jsonText: #"{"x":1}"#)) == .bool(true))
}
