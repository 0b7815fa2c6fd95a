import Rego
import Testing

/// Extreme integers and sizes must produce values or errors, never a trap.
@Test(arguments: [
    "x := 9223372036854775807 + 1", "x := -9223372036854775808 - 1", "x := -9223372036854775808 * -1",
    "x := abs(-9223372036854775808)", "x := -9223372036854775808 / -1", "x := -9223372036854775808 % -1",
    "x := format_int(1e30, 16)", "x := substring(\"abc\", 1, 9223372036854775807)",
    "x := numbers.range(-9223372036854775808, 9223372036854775807)", "x := time.add_date(0, -9223372036854775808, 0, 0)",
    "x := time.parse_duration_ns(\"99999999999999999999h\")", "x := sprintf(\"%99999999999d\", [1])",
    "x := time.clock(-9223372036854775808)", "x := to_number(\"1e400\")", "x := numbers.range_step(0, 9223372036854775807, 1)",
    "x := array.slice([1, 2, 3], -9223372036854775808, 9223372036854775807)",
])
func extremeArgumentsNeverTrap(query: String) throws {
    let q = try RegoCompiler.compile([]).prepare(query: query)
    for strict in [false, true] {
        do {
            _ = try q.evaluate(input: nil, options: EvaluationOptions(strictBuiltinErrors: strict))
        } catch let e as RegoError {
            #expect(e.code == .builtin || e.code == .evalType, "\(query): \(e)")
        }
    }
}

@Test func bigIntegerDivisionIsExact() throws {
    let q = try RegoCompiler.compile([]).prepare(query: "x := -9223372036854775808 / -1")
    #expect(try q.evaluate(input: nil).first?["x"] == (try RegoValue(jsonText: "9223372036854775808")))
}
