import Foundation
import Rego
import Testing

/// Replays `differential/fixture.jsonl`, produced by real OPA v1.20 via `differential/generate.py`.
@Test func engineAgreesWithOPAOnExamplePolicies() throws {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("differential/fixture.jsonl").path
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        Issue.record("differential fixture missing at \(path); run python3 Tests/RegoTests/differential/generate.py")
        return
    }
    var count = 0
    for line in text.split(separator: "\n") where !line.isEmpty {
        let c = try ConformanceCase(jsonLine: String(line))
        let outcome = ConformanceRunner.run(c)
        #expect(outcome.passed, "\(c.name): \(outcome.detail)")
        count += 1
    }
    #expect(count >= 300)
}
