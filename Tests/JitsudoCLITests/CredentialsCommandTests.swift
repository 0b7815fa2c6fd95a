import Foundation
import JitsudoAPI
import Testing
@testable import JitsudoCLI

/// `jitsudo credentials` output formats (the AWS CLI's use of them is in AWSIntegrationTests).
@Suite struct CredentialsCommandTests {
    let grant = WireGrant(
        requestId: "req_1",
        credentials: [
            .init(name: "AWS_SESSION_TOKEN", value: "to'ken"), .init(name: "AWS_ACCESS_KEY_ID", value: "ASIA1"),
            .init(name: "AWS_SECRET_ACCESS_KEY", value: "s"), .init(name: "AWS_CREDENTIAL_EXPIRATION", value: "2026-01-01T01:00:00Z"),
        ], issuedAt: "2026-01-01T00:00:00Z", expiresAt: "2026-01-01T02:00:00Z")

    @Test func envIsShellQuotedExportLines() throws {
        let text = try CredentialsCommand.render(grant, as: .env)
        #expect(text.hasPrefix("export AWS_ACCESS_KEY_ID='ASIA1'\n"))
        #expect(text.contains(#"export AWS_SESSION_TOKEN='to'\''ken'"#))
    }

    @Test func credentialProcessIsVersion1WithTheSessionsEnd() throws {
        let text = try CredentialsCommand.render(grant, as: .awsCredentialProcess)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["Version"] as? Int == 1 && object["AccessKeyId"] as? String == "ASIA1" && object["SessionToken"] as? String == "to'ken")
        #expect(object["Expiration"] as? String == "2026-01-01T01:00:00Z", "the session's end, not the grant's")
        let keyless = WireGrant(requestId: "req_2", credentials: [.init(name: "AWS_ACCOUNT_ID", value: "123456789012")], issuedAt: "", expiresAt: "")
        #expect(throws: CLIError.self) { try CredentialsCommand.render(keyless, as: .awsCredentialProcess) }
    }
}
