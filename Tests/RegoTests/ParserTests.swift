import Rego
import Testing

private func compileError(_ source: String) -> RegoError? {
    do {
        _ = try RegoCompiler.compile([RegoModule(name: "p.rego", source: source)])
        return nil
    } catch let e as RegoError {
        return e
    } catch {
        return nil
    }
}

@Test func parseErrorReportsLineAndColumn() throws {
    let e = try #require(compileError("package a\n\nallow if {\n  input.x ==\n}\n"))
    #expect(e.code == .parse)
    #expect(e.location?.file == "p.rego")
    #expect(e.location?.row == 5)
    #expect(e.description.hasPrefix("p.rego:5: rego_parse_error:"))
}

@Test func bodyWithoutIfIsRejectedUnderRegoV1Import() throws {
    let e = try #require(compileError("package a\nimport rego.v1\nallow { true }\n"))
    #expect(e.code == .parse)
    #expect(e.message.contains("add 'if' before the rule body"))
    #expect(e.location?.row == 3)
}

@Test func unsafeVariableIsACompileError() throws {
    let e = try #require(compileError("package a\np if {\n  x > 1\n}\n"))
    #expect(e.code == .unsafeVar)
    #expect(e.message == "var x is unsafe")
    #expect(e.location?.row == 3)
}

@Test func recursionIsACompileError() throws {
    let e = try #require(compileError("package a\np if q\nq if p\n"))
    #expect(e.code == .recursion)
    #expect(e.message.contains("data.a.p"))
}

@Test func removedBuiltinsAreCompileErrors() throws {
    for call in ["any([true])", "all([true])", "re_match(\"a\", \"a\")", "set_diff({1}, {2})", "cast_array([1])", "net.cidr_overlap(\"a\", \"b\")"] {
        let e = compileError("package a\np if \(call)\n")
        #expect(e?.code == .type, "\(call) should be rejected")
    }
}

@Test func rulesNamedInputOrDataAreRejected() throws {
    #expect(compileError("package a\ninput := 1\n") != nil)
    #expect(compileError("package a\ndata := 1\n") != nil)
}

@Test func multipleDefaultsAreRejected() throws {
    let e = try #require(compileError("package a\ndefault p := 1\ndefault p := 2\n"))
    #expect(e.message.contains("multiple default rules"))
}

@Test func deepNestingIsRejectedWithoutCrashing() throws {
    let deep = String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000)
    let e = try #require(compileError("package a\np := \(deep)\n"))
    #expect(e.code == .parse)
    #expect(e.message.contains("nesting"))
}

@Test func hugeNumberLiteralIsRejected() throws {
    let e = try #require(compileError("package a\np := \(String(repeating: "9", count: 20_000))\n"))
    #expect(e.code == .parse)
}

@Test func importsOfFutureKeywordsAreAccepted() throws {
    #expect(compileError("package a\nimport future.keywords\nimport future.keywords.in\nimport rego.v1\np if 1 in [1]\n") == nil)
}
