import Foundation
import Rego
import Testing

/// Replays `differential/fuzz.jsonl`: every builtin called with hostile arguments, answered by real OPA through
/// `differential/fuzz_builtins.py`. A case passes when both engines give the same rows, or both fail (error texts
/// and codes are not compared). A trap would kill this process, so a finished run also shows there were none.
///
/// `REGO_FUZZ_FIXTURE=<file>` replays another file instead: `make fuzz` writes one with a fresh seed.
/// Disagreements are allowed only when `known-failures.txt` lists them, either one case (`fuzz/<case name>`) or
/// a whole builtin whose difference is deliberate (`fuzz/<builtin> *`), each with its reason.
struct FuzzTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    @Test func builtinsAgreeWithOPAOnHostileArguments() throws {
        let environment = ProcessInfo.processInfo.environment["REGO_FUZZ_FIXTURE"] ?? ""
        let path = environment.isEmpty ? Self.directory.appendingPathComponent("differential/fuzz.jsonl").path : environment
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let known = ConformanceRunner.loadKnownFailures(path: Self.directory.appendingPathComponent("known-failures.txt").path)
        var count = 0, agreed = 0, listed = 0
        var stale: [String] = []
        // In a fresh random run (`make fuzz`) case names are new: a builtin with listed disagreements counts as known.
        let knownBuiltins = Set(known.keys.filter { $0.hasPrefix("fuzz/") }.map { String($0.dropFirst(5).prefix { $0 != " " }) })
        for line in text.split(separator: "\n") where !line.isEmpty {
            let c = try ConformanceCase(jsonLine: String(line))
            count += 1
            let builtin = c.name.components(separatedBy: " #").first ?? c.name
            let exactKey = "\(c.category)/\(c.name)"
            let isKnown = known[exactKey] != nil || known["fuzz/\(builtin) *"] != nil || (!environment.isEmpty && knownBuiltins.contains(builtin))
            if Self.agrees(c) {
                agreed += 1
                if known[exactKey] != nil { stale.append(exactKey) }
            } else if isKnown {
                listed += 1
            } else {
                Issue.record("\(exactKey) disagrees with OPA: \(c.query) input=\(c.input?.jsonText.prefix(300) ?? "")\n  \(Self.describe(c))")
            }
        }
        #expect(stale.isEmpty, "known-failures.txt lists cases that now agree with OPA; remove them: \(stale)")
        #expect(count >= (environment.isEmpty ? 2_000 : 1), "only \(count) cases in \(path)")
        print("fuzz: \(count) cases from \(path): \(agreed) agree with OPA, \(listed) listed in known-failures.txt")
    }

    /// Same rows, or an error on both sides.
    static func agrees(_ c: ConformanceCase) -> Bool {
        let outcome = ConformanceRunner.run(c)
        if outcome.passed { return true }
        // Both failed, with different codes (e.g. eval_type_error vs eval_builtin_error): still an agreement here.
        return c.wantErrorCode != nil && outcome.detail.hasPrefix("want code")
    }

    static func describe(_ c: ConformanceCase) -> String {
        let outcome = ConformanceRunner.run(c)
        return c.wantErrorCode.map { "OPA: \($0); ours: \(outcome.detail)" } ?? outcome.detail
    }
}
