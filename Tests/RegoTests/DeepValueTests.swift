import Rego
import Testing

/// Values as deep as the JSON reader accepts (1000 levels) go through every recursive path of the engine —
/// comparison, hashing, JSON output, walk, union, subset, sprintf — on a Swift-concurrency thread (whose stack
/// is what a request handler has) without exhausting the stack; one level more is a parse error, not a crash.
struct DeepValueTests {
    static func nested(_ depth: Int, object: Bool) -> String {
        let open = object ? #"{"k":"# : "["
        let close = object ? "}" : "]"
        return String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth)
    }

    @Test(arguments: [false, true])
    func recursiveBuiltinsHandleTheDeepestInput(object: Bool) async throws {
        let text = Self.nested(999, object: object)
        let queries = [
            "x := json.marshal(input)", "x := input == json.unmarshal(json.marshal(input))", "x := count({input, [input]})",
            "x := count([p | walk(input, [p, _])])", "x := sort([input, input, 1])", "x := object.union({\"a\": input}, {\"a\": input})",
            "x := object.subset({\"a\": input}, {\"a\": input})", "x := sprintf(\"%v\", [input])",
            "x := json.marshal_with_options(input, {\"pretty\": true})",
            "x := input < [input]", "x := count(array.flatten([input]))",
        ]
        let result = try await Task.detached {
            let input = try RegoValue(jsonText: text)
            var defined = 0
            for q in queries {
                let prepared = try RegoCompiler.compile([]).prepare(query: q)
                let rows = try prepared.evaluate(input: input, options: EvaluationOptions(strictBuiltinErrors: true, timeout: .seconds(30)))
                if rows.first?["x"] != nil { defined += 1 }
            }
            return defined
        }.value
        #expect(result == queries.count)
    }

    @Test func oneLevelMoreIsAParseError() {
        #expect(throws: RegoError(code: .jsonParse, message: "")) { try RegoValue(jsonText: Self.nested(1001, object: false)) }
        let q = try? RegoCompiler.compile([]).prepare(query: "x := json.unmarshal(input)")
        #expect(throws: RegoError(code: .builtin, message: "")) {
            try q?.evaluate(input: .string(Self.nested(1001, object: true)), options: EvaluationOptions(strictBuiltinErrors: true))
        }
    }
}
