import Foundation
import Rego
import Testing

/// Locates the shared conformance cases: `$JITSUDO_REGO_CONFORMANCE_DIR` or `../shared/conformance/rego` next to the package.
func conformanceDirectory() -> String {
    if let env = ProcessInfo.processInfo.environment["JITSUDO_REGO_CONFORMANCE_DIR"], !env.isEmpty { return env }
    // #filePath = <package>/Tests/RegoTests/ConformanceTests.swift
    let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance/rego").path
}

@Test func conformanceSetPasses() throws {
    let dir = conformanceDirectory()
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
        Issue.record("conformance cases not found at \(dir); set JITSUDO_REGO_CONFORMANCE_DIR")
        return
    }
    let cases = try ConformanceRunner.loadCases(directory: dir)
    #expect(cases.count > 0, "no *.jsonl cases in \(dir)")
    let knownPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("known-failures.txt").path
    let known = ConformanceRunner.loadKnownFailures(path: knownPath)
    let sleep = Builtin(name: "test.sleep", arity: 1) { _, a in
        guard case .string(let d) = a[0] else { throw BuiltinError.operand(1, "string", a[0]) }
        Thread.sleep(forTimeInterval: Double(try TimeBuiltins.parseDuration(d)) / 1e9)
        return .null
    }
    var failed = 0
    for c in cases {
        let o = ConformanceRunner.run(c, extraBuiltins: [sleep])
        if !o.passed {
            failed += 1
            #expect(known[o.key] != nil, "\(o.key): \(o.detail)")
        }
    }
    #expect(Double(cases.count - failed) / Double(cases.count) >= 0.98)
}
