import Foundation
import Rego
import Testing

private func evaluate(_ source: String, _ query: String, input: String? = nil, options: EvaluationOptions = .init()) throws -> RegoValue? {
    let set = try RegoCompiler.compile([RegoModule(name: "t.rego", source: source)])
    return try set.prepare(query: query).evaluateValue(input: input.map { try RegoValue(jsonText: $0) }, options: options)
}

@Test func undefinedDiffersFromFalse() throws {
    let src = "package t\ndefault d := false\nd if input.x\np if input.x\n"
    #expect(try evaluate(src, "data.t.p", input: #"{"x": false}"#) == nil)
    #expect(try evaluate(src, "data.t.d", input: #"{"x": false}"#) == .bool(false))
}

@Test func resultRowsBindQueryVariablesInOPAOrder() throws {
    let set = try RegoCompiler.compile([RegoModule(name: "t.rego", source: "package t\ns := {\"b\", \"a\", \"c\"}\n")])
    let rows = try set.prepare(query: "x := data.t.s[_]").evaluate(input: nil)
    #expect(rows.map { $0["x"]! } == [.string("a"), .string("b"), .string("c")])
}

@Test func valuesFollowOPAOrdering() throws {
    let values: [RegoValue] = [.set(RegoSet([.int(1)])), .emptyObject, .array([]), .string("a"), .int(1), .bool(true), .bool(false), .null]
    #expect(values.sorted() == values.reversed())
}

@Test func bigNumbersRoundTripExactly() throws {
    let v = try RegoValue(jsonText: #"{"n": 18446744073709551614, "t": 1773828000123456789, "f": 1.5}"#)
    #expect(v.jsonText == #"{"f":1.5,"n":18446744073709551614,"t":1773828000123456789}"#)
    #expect(try RegoValue(jsonText: "1.0") == .int(1))
}

@Test func timeNowIsFixedPerEvaluation() throws {
    let options = EvaluationOptions(now: 1_773_828_000_000_000_000)
    #expect(try evaluate("package t\nsame if time.now_ns() == time.now_ns()\n", "data.t.same", options: options) == .bool(true))
    #expect(try evaluate("package t\nn := time.now_ns()\n", "data.t.n", options: options) == .int(1_773_828_000_000_000_000))
}

@Test func preparedQueriesEvaluateConcurrently() async throws {
    let set = try RegoCompiler.compile([RegoModule(name: "t.rego", source: "package t\nallow if input.n % 2 == 0\n")])
    let q = try set.prepare(query: "data.t.allow")
    let results = try await withThrowingTaskGroup(of: (Int, RegoValue?).self) { group in
        for i in 0..<64 { group.addTask { (i, try q.evaluateValue(input: .object(RegoObject([.string("n"): .int(i)])))) } }
        var out: [Int: RegoValue?] = [:]
        for try await (i, v) in group { out[i] = v }
        return out
    }
    for (i, v) in results { #expect(v == (i % 2 == 0 ? .bool(true) : nil)) }
}

@Test func stepBudgetStopsRunawayEvaluation() throws {
    let src = "package t\np contains x if {\n some a in numbers.range(1, 2000)\n some b in numbers.range(1, 2000)\n x := a + b\n}\n"
    #expect(throws: RegoError(code: .budgetExceeded, message: "")) {
        _ = try evaluate(src, "data.t.p", options: EvaluationOptions(stepBudget: 100_000, timeout: .seconds(60)))
    }
}

@Test func timeoutStopsSlowEvaluation() throws {
    let src = "package t\np contains x if {\n some a in numbers.range(1, 3000)\n some b in numbers.range(1, 3000)\n x := a + b\n}\n"
    let start = Date()
    #expect(throws: RegoError(code: .timeout, message: "")) {
        _ = try evaluate(src, "data.t.p", options: EvaluationOptions(stepBudget: .max, timeout: .milliseconds(50)))
    }
    #expect(Date().timeIntervalSince(start) < 5)
}

@Test func depthLimitBoundsNestedRuleEvaluation() throws {
    var src = "package t\nr0 := 1\n"
    for i in 1...20 { src += "r\(i) := r\(i - 1) + 1\n" }
    #expect(throws: RegoError(code: .depthExceeded, message: "")) {
        _ = try evaluate(src, "data.t.r20", options: EvaluationOptions(maxDepth: 5))
    }
    #expect(try evaluate(src, "data.t.r20") == .int(21))
}

@Test func deeplyNestedJSONIsRejected() throws {
    let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
    #expect(throws: RegoError.self) { _ = try RegoValue(jsonText: deep) }
}

@Test func tenMegabyteInputEvaluatesInBoundedTime() throws {
    var json = "{\"items\":["
    let item =
        #"{"name":"user-000000","groups":["engineering","sre"],"tier":2,"note":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}"#
    let n = 10_000_000 / item.utf8.count
    json += Array(repeating: item, count: n).joined(separator: ",")
    json += "]}"
    #expect(json.utf8.count >= 9_900_000)
    let start = Date()
    let input = try RegoValue(jsonText: json)
    let value = try evaluate("package t\nn := count(input.items)\n", "data.t.n", input: nil, options: .init())
    #expect(value == nil)
    let set = try RegoCompiler.compile([
        RegoModule(name: "t.rego", source: "package t\nn := count(input.items)\nany_admin if input.items[_].groups[_] == \"admin\"\n")
    ])
    #expect(try set.prepare(query: "data.t.n").evaluateValue(input: input, options: .init(timeout: .seconds(30))) == .int(n))
    #expect(try set.prepare(query: "data.t.any_admin").evaluateValue(input: input, options: .init(timeout: .seconds(30))) == nil)
    #expect(Date().timeIntervalSince(start) < 60)
}

@Test func errorDescriptionFollowsOPAFormat() throws {
    let e = RegoError(
        code: .conflict, message: "complete rules must not produce multiple outputs",
        location: SourceLocation(file: "test-0.rego", row: 4, column: 1))
    #expect(e.description == "test-0.rego:4: eval_conflict_error: complete rules must not produce multiple outputs")
}

@Test func catastrophicRegexIsStoppedByTheTimeout() throws {
    let src = "package t\nx := regex.match(`(a+)+$`, input.s)\n"
    let input = "{\"s\": \"\(String(repeating: "a", count: 60))b\"}"
    let start = Date()
    #expect(throws: RegoError(code: .timeout, message: "")) {
        _ = try evaluate(src, "data.t.x", input: input, options: EvaluationOptions(timeout: .milliseconds(100)))
    }
    #expect(Date().timeIntervalSince(start) < 5)
}

@Test func longAndDeeplyNestedBodiesStayWithinTheStack() throws {
    var flat = "package t\np if {\n"
    for i in 0..<5_000 { flat += "  input.x == \(i % 1)\n" }
    flat += "}\n"
    #expect(try evaluate(flat, "data.t.p", input: #"{"x": 0}"#) == .bool(true))

    func nested(_ n: Int) -> String {
        var s = "package t\np if {\n"
        for i in 0..<n { s += "  some x\(i) in input.a\n" }
        return s + "}\n"
    }
    #expect(try evaluate(nested(300), "data.t.p", input: #"{"a": [1]}"#) == .bool(true))
    #expect(throws: RegoError(code: .depthExceeded, message: "")) {
        _ = try evaluate(nested(5_000), "data.t.p", input: #"{"a": [1]}"#)
    }
}
