import Foundation
import JitsudoTesting
import Testing

/// The fake held to Microsoft's own clients (Tests/Fakes/azure/conformance.py): `azure-identity` gets tokens with a
/// secret and a certificate, `azure-mgmt-authorization` creates, reads, lists and deletes role assignments and
/// creates PIM schedule requests through it. If the fake answered what the SDK does not parse, this fails.
@Suite struct AzureConformanceTests {
    @Test func theFakeAnswersWhatMicrosoftsSDKSendsAndParses() async throws {
        let result = try await Subprocess.run("/usr/bin/env", ["timeout", "120", "python3", AzureFake.directory + "/conformance.py"])
        #expect(result.status == 0, "\(result.stderr.suffix(4000))")
        #expect(result.stdout.contains("checks passed against azure-mgmt-authorization and azure-identity"), "\(result.stdout)")
    }
}
