import Foundation
import Rego

/// `rego-conformance DIR [--known-failures FILE] [--verbose] [--category X]`
var args = Array(CommandLine.arguments.dropFirst())
var directory: String? = nil
var knownPath = "Tests/RegoTests/known-failures.txt"
var verbose = false
var onlyCategory: String? = nil
while !args.isEmpty {
    let a = args.removeFirst()
    switch a {
    case "--known-failures":
        guard !args.isEmpty else {
            FileHandle.standardError.write(Data("--known-failures needs a file\n".utf8))
            exit(2)
        }
        knownPath = args.removeFirst()
    case "--verbose": verbose = true
    case "--category":
        guard !args.isEmpty else {
            FileHandle.standardError.write(Data("--category needs a name\n".utf8))
            exit(2)
        }
        onlyCategory = args.removeFirst()
    default: directory = a
    }
}
guard let directory else {
    FileHandle.standardError.write(Data("usage: rego-conformance DIR [--known-failures FILE] [--verbose] [--category X]\n".utf8))
    exit(2)
}

let sleep = Builtin(name: "test.sleep", arity: 1) { _, a in
    guard case .string(let d) = a[0] else { throw BuiltinError.operand(1, "string", a[0]) }
    let ns = try TimeBuiltins.parseDuration(d)
    Thread.sleep(forTimeInterval: Double(ns) / 1e9)
    return .null
}

let cases: [ConformanceCase]
do {
    cases = try ConformanceRunner.loadCases(directory: directory).filter { onlyCategory == nil || $0.category == onlyCategory }
} catch {
    FileHandle.standardError.write(Data("rego-conformance: \(error)\n".utf8))
    exit(2)
}
let known = ConformanceRunner.loadKnownFailures(path: knownPath)
var perCategory: [String: (Int, Int)] = [:]
var unexpected: [ConformanceRunner.Outcome] = []
var passed = 0, failed = 0
for c in cases {
    let o = ConformanceRunner.run(c, extraBuiltins: [sleep])
    var entry = perCategory[c.category] ?? (0, 0)
    if o.passed {
        entry.0 += 1
        passed += 1
    } else {
        entry.1 += 1
        failed += 1
    }
    perCategory[c.category] = entry
    if !o.passed {
        if known[o.key] == nil { unexpected.append(o) }
        if verbose { print("FAIL \(o.key): \(o.detail)") }
    }
}
print("category".padding(toLength: 28, withPad: " ", startingAt: 0) + " passed failed")
for (cat, (p, f)) in perCategory.sorted(by: { $0.key < $1.key }) {
    print(cat.padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: " %6d %6d", p, f))
}
if !unexpected.isEmpty {
    print("\nfailures not in \(knownPath):")
    for o in unexpected { print("  \(o.key): \(o.detail.split(separator: "\n").first ?? "")") }
}
print("\(passed) passed, \(failed) failed")
exit(unexpected.isEmpty ? 0 : 1)
