import Foundation
import Rego
import Testing

/// Runs the JSON case files under `Cases/<feature>/` with the conformance comparison rules.
@Test func caseFilesPass() throws {
    guard let root = Bundle.module.url(forResource: "Cases", withExtension: nil) else {
        Issue.record("Cases resource folder is missing from the test bundle")
        return
    }
    let files =
        FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL }
        .filter { $0.pathExtension == "json" } ?? []
    #expect(!files.isEmpty)
    for file in files {
        let cases = try RegoValue(jsonData: try Data(contentsOf: file))
        guard case .array(let items) = cases else {
            Issue.record("\(file.lastPathComponent) must hold a JSON array")
            continue
        }
        for item in items {
            let c = try ConformanceCase(jsonLine: item.jsonText)
            let outcome = ConformanceRunner.run(c)
            #expect(outcome.passed, "\(file.lastPathComponent): \(c.name): \(outcome.detail)")
        }
    }
}
