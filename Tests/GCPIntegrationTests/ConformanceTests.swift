import Foundation
import JitsudoTesting
import Testing

/// The fake is held to Google's own client: Tests/Fakes/gcp/conformance.py drives it with google-api-python-client
/// (static discovery documents from the installed wheel) and google-auth, and fails on the first disagreement.
@Suite struct ConformanceTests {
    @Test func theFakeAnswersWhatGooglesOwnPythonClientSendsAndParses() async throws {
        let script = URL(fileURLWithPath: FakeGCP.script).deletingLastPathComponent().appendingPathComponent("conformance.py").path
        let result = try await Subprocess.run("/usr/bin/env", ["timeout", "120", "python3", script])
        #expect(result.status == 0, "\(result.stdout.suffix(3000))\n\(result.stderr.suffix(3000))")
        #expect(result.stdout.contains("checks passed") && !result.stdout.contains("FAILED"))
    }
}
