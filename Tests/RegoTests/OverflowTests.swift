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

/// Extreme values that used to trap (issue #13 audit): each is a value or an evaluation error now.
@Test(arguments: [
    #"x := to_number("1.0e-9223372036854775808")"#, #"x := json.unmarshal("1.0e-9223372036854775808")"#,
    "x := numbers.range_step(9223372036854775800, 9223372036854775807, 5)", "x := numbers.range_step(-9223372036854775800, -9223372036854775808, 3)",
    #"x := regex.replace("abc", "b", "${-1}")"#, "x := time.clock(-9223372036854775808)", "x := time.format(-9223372036854775808)",
    #"x := time.parse_rfc3339_ns("1677-09-21T00:12:43Z")"#, "x := format_int(-9223372036854775808, 2)", "x := 1e308 * 10",
    #"x := strings.replace_n({"é": "x"}, "e\u0301é")"#, "x := product([1e308, 1e308])",
])
func auditedTrapsAreValuesOrErrors(query: String) throws {
    let q = try RegoCompiler.compile([]).prepare(query: query)
    do {
        _ = try q.evaluate(input: nil, options: EvaluationOptions(strictBuiltinErrors: true))
    } catch let e as RegoError {
        #expect(e.code == .builtin || e.code == .evalType, "\(query): \(e)")
    }
}

@Test func steppedRangesStopAtTheInt64Ends() throws {
    let q = try RegoCompiler.compile([]).prepare(query: "x := numbers.range_step(9223372036854775800, 9223372036854775807, 5)")
    #expect(try q.evaluate(input: nil).first?["x"] == (try RegoValue(jsonText: "[9223372036854775800, 9223372036854775805]")))
    let down = try RegoCompiler.compile([]).prepare(query: "x := numbers.range(-9223372036854775806, -9223372036854775808)")
    let want = try RegoValue(jsonText: "[-9223372036854775806, -9223372036854775807, -9223372036854775808]")
    #expect(try down.evaluate(input: nil).first?["x"] == want)
}

@Test func hugeTimeoutMeansNoDeadline() throws {
    let q = try RegoCompiler.compile([]).prepare(query: "x := 1")
    #expect(try q.evaluate(input: nil, options: EvaluationOptions(timeout: .seconds(Int64.max))).first?["x"] == .int(1))
}
