import _CryptoExtras
import Foundation
import GoogleCloudClient
import JitsudoCore
import JitsudoGCPProvider
import JitsudoProviders
import Logging
import Testing

/// The `gcp` provider against the contract fake: jitsudod's identity is a service-account key whose JWT the fake
/// verifies with the public half.
@Suite struct GCPProviderTests {
    static let project = "projects/team-project"

    static func provider(_ fake: FakeGCP, _ extra: [String: String] = [:], environment: [String: String]? = nil) throws -> GCPProvider {
        var values = [
            "enabled": "true", "endpoint_url": fake.baseURL, "iam_credentials_url": fake.baseURL, "token_url": fake.baseURL + "/token",
            "allowed_roles": "roles/viewer,roles/container.admin", "credentials_file": fake.keyFile,
        ]
        values.merge(extra) { _, new in new }
        var logger = Logger(label: "gcp-provider-test")
        logger.logLevel = .warning
        return try GCPProvider(settings: ProviderSettings(provider: "gcp", values: values), environment: environment ?? [:], logger: logger)
    }

    static func request(
        _ id: String, role: String = "roles/viewer", identity: String = "alice@example.com", seconds: Int64 = 600,
        scope: String = "team-project"
    ) -> GrantRequest {
        GrantRequest(requestID: id, requesterIdentity: identity, role: role, resourceScope: scope, durationSeconds: seconds, metadata: [:])
    }

    @Test func aGrantIsTheExactConditionalBindingAndRevokeRestoresThePolicyByteForByte() async throws {
        try await FakeGCP.with(["--project", "team-project"]) { fake in
            try await fake.seed(Self.project, SeedPolicy.text)
            let provider = try Self.provider(fake)
            let before = Date()
            let issued = try await provider.grant(Self.request("req_01GRANT"))
            #expect(issued.credentials == ["GOOGLE_CLOUD_PROJECT": "team-project", "JITSUDO_GCP_RESOURCE": Self.project])
            #expect(issued.durationSeconds == 600 && issued.revokeToken == "binding:\(Self.project)")

            let stored = try await fake.storedPolicy(Self.project)
            let ours = try #require(stored["bindings"]?.arrayValue?.last)
            #expect(ours["role"] == .string("roles/viewer") && ours["members"] == .array([.string("user:alice@example.com")]))
            #expect(ours["condition"]?["title"] == .string("jitsudo req_01GRANT"))
            let end = try #require(ours["condition"]?["expression"]?.stringValue.flatMap(GrantCondition.end(ofExpression:)))
            #expect(end >= before.addingTimeInterval(600) && end <= Date().addingTimeInterval(601), "the condition ends with the grant")
            #expect(policyText(stored, withoutTitlesPrefixed: "jitsudo ") == SeedPolicy.text, "nothing else changed")

            let writes = try await fake.stat("setIamPolicy")
            _ = try await provider.grant(Self.request("req_01GRANT"))  // a retried grant replaces its binding in place
            #expect(try await fake.storedPolicy(Self.project)["bindings"]?.arrayValue?.count == 3)

            try await provider.revoke(requestID: "req_01GRANT", revokeToken: issued.revokeToken)
            #expect(try await fake.storedPolicy(Self.project).text == SeedPolicy.text, "revoke restores the policy byte for byte")
            let afterRevoke = try await fake.stat("setIamPolicy")
            try await provider.revoke(requestID: "req_01GRANT", revokeToken: issued.revokeToken)
            try await provider.revoke(requestID: "req_01GRANT", revokeToken: nil)
            #expect(try await fake.stat("setIamPolicy") == afterRevoke, "revoking what is gone writes nothing")
            #expect(afterRevoke > writes)
            #expect(try await fake.stat("setWithoutEtag") == 0)
            #expect(try await fake.stat("badRequests") == 0)
        }
    }

    @Test func extendMovesOnlyTheExpression() async throws {
        try await FakeGCP.with(["--project", "team-project"]) { fake in
            let provider = try Self.provider(fake)
            let issued = try await provider.grant(Self.request("req_EXT"))
            let newEnd = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 7200).rounded(.down))
            var extended = Self.request("req_EXT", seconds: 7200)
            extended.notAfter = AuditTimestamp(microsecondsSinceEpoch: Int64(newEnd.timeIntervalSince1970) * 1_000_000)
            #expect(try await provider.extend(extended, revokeToken: issued.revokeToken) == nil)
            let binding = try #require(try await fake.storedPolicy(Self.project)["bindings"]?.arrayValue?.first)
            #expect(binding["condition"]?["expression"]?.stringValue == GrantCondition.expression(notAfter: newEnd))
            #expect(binding["condition"]?["title"] == .string("jitsudo req_EXT") && binding["role"] == .string("roles/viewer"))
        }
    }

    @Test func twentyConcurrentGrantsFromThreeProviderInstancesAreAllKept() async throws {
        try await FakeGCP.with(["--project", "team-project", "--set-delay-ms", "20"]) { fake in
            try await fake.seed(Self.project, SeedPolicy.text)
            let replicas = try (0..<3).map { _ in try Self.provider(fake) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        _ = try await replicas[index % 3].grant(Self.request("req_C\(index)", identity: "user\(index)@example.com"))
                    }
                }
                try await group.waitForAll()
            }
            let stored = try await fake.storedPolicy(Self.project)
            let titles = Set((stored["bindings"]?.arrayValue ?? []).compactMap { $0["condition"]?["title"]?.stringValue })
            #expect(titles.isSuperset(of: (0..<20).map { "jitsudo req_C\($0)" }), "no grant lost")
            #expect(policyText(stored, withoutTitlesPrefixed: "jitsudo ") == SeedPolicy.text)
            let retries = replicas.map(\.statistics.etagRetries).reduce(0, +)
            #expect(retries == (try await fake.stat("conflicts")), "every 409 ABORTED was retried, and counted")
            #expect(replicas.map(\.statistics.policyWrites).reduce(0, +) == 20)

            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask { try await replicas[(index + 1) % 3].revoke(requestID: "req_C\(index)", revokeToken: "binding:\(Self.project)") }
                }
                try await group.waitForAll()
            }
            #expect(try await fake.storedPolicy(Self.project).text == SeedPolicy.text, "all twenty revoked, nothing else touched")
        }
    }

    @Test func googlesPermissionMessageRefusesAndTransientFailuresAreRetriedThenUnavailable() async throws {
        try await FakeGCP.with(["--project", "team-project", "--project", "locked-project"]) { fake in
            let provider = try Self.provider(fake)
            try await fake.deny("projects/locked-project", method: "setIamPolicy")
            let denied = await #expect(throws: ProviderError.self) { try await provider.grant(Self.request("req_D", scope: "locked-project")) }
            #expect(denied?.code == .refused && denied?.message.contains("resourcemanager.projects.setIamPolicy") == true)

            try await fake.fail("setIamPolicy", status: 503, count: 2)
            _ = try await provider.grant(Self.request("req_T"))
            #expect(try await fake.stat("injectedFailures") == 2, "two 503s were retried")
            try await fake.fail("getIamPolicy", status: 429, count: 100)
            let exhausted = await #expect(throws: ProviderError.self) { try await provider.revoke(requestID: "req_T", revokeToken: nil) }
            #expect(exhausted?.code == .unavailable)
        }
    }

    @Test func aServiceAccountKeyIsExchangedOnceForATokenTheFakeIssuedAfterVerifyingTheJWT() async throws {
        try await FakeGCP.with(["--project", "team-project"]) { fake in
            let provider = try Self.provider(fake)
            for index in 0..<3 { _ = try await provider.grant(Self.request("req_K\(index)")) }
            #expect(try await fake.stat("jwtVerified") == 1, "one assertion, then the cached token")
            #expect(try await fake.stat("unauthenticated") == 0)
            #expect(await provider.client.tokens.exchanges == 1)

            // A key the fake does not trust: the token endpoint refuses its signature, the grant stays retryable.
            let stranger = try Self.provider(fake, ["credentials_file": try Self.strangerKey(in: fake.directory)])
            let error = await #expect(throws: ProviderError.self) { try await stranger.grant(Self.request("req_S")) }
            #expect(error?.code == .unavailable && error?.message.contains("Invalid JWT Signature") == true)
            #expect(try await fake.stat("jwtRejected") == 1)
        }
    }

    @Test func withoutAKeyTheMetadataServerOfGCEMetadataHostIsUsed() async throws {
        try await FakeGCP.with(["--project", "team-project"]) { fake in
            let provider = try Self.provider(fake, ["credentials_file": ""], environment: ["GCE_METADATA_HOST": "127.0.0.1:\(fake.port)"])
            _ = try await provider.grant(Self.request("req_M"))
            try await provider.revoke(requestID: "req_M", revokeToken: nil)
            #expect(try await fake.stat("metadataTokens") == 1)
            #expect(try await fake.stat("jwtVerified") == 0)
        }
    }

    @Test func impersonationTokensNeverOutliveTheGrant() async throws {
        let account = "deployer@team-project.iam.gserviceaccount.com"
        try await FakeGCP.with(["--project", "team-project", "--service-account", account]) { fake in
            let provider = try Self.provider(fake, ["mode": "impersonate", "service_accounts": "deployer=\(account)"])
            let short = try await provider.grant(Self.request("req_I1", role: "deployer", seconds: 600))
            let token = try #require(short.credentials["CLOUDSDK_AUTH_ACCESS_TOKEN"])
            #expect(short.credentials["GOOGLE_OAUTH_ACCESS_TOKEN"] == token && token.hasPrefix("ya29.fake-"))
            #expect(short.credentials["GOOGLE_CLOUD_PROJECT"] == "team-project" && short.credentials["JITSUDO_GCP_SERVICE_ACCOUNT"] == account)
            let expiry = try #require(short.credentials[GCPProvider.tokenExpiryVariable].flatMap(GoogleCloudClient.parseTimestamp))
            #expect(abs(expiry.timeIntervalSinceNow - 600) < 30)
            _ = try await provider.grant(Self.request("req_I2", role: "deployer", seconds: 7200))
            let refreshed = try #require(try await provider.refreshCredentials(Self.request("req_I2", role: "deployer", seconds: 90), current: [:]))
            #expect(refreshed["CLOUDSDK_AUTH_ACCESS_TOKEN"] != token)
            let issued = try #require(try await fake.stats()["generatedTokens"]?.arrayValue)
            #expect(
                issued.map { $0["lifetimeSeconds"] } == [.number("600.0"), .number("3600.0"), .number("90.0")],
                "min(grant, 1 h), then the time left")
            #expect(issued.allSatisfy { $0["serviceAccount"] == .string(account) })
            let invalid = #expect(throws: ProviderError.self) { try provider.validate(Self.request("req_I3", role: "roles/viewer")) }
            #expect(invalid?.code == .invalidRequest)
        }
    }

    @Test func driftCleanupRemovesBindingsOfInactiveGrantsAndPrunesExpiredOnes() async throws {
        try await FakeGCP.with(["--project", "team-project"]) { fake in
            let past = "request.time < timestamp('2001-01-01T00:00:00Z')", future = "request.time < timestamp('2099-01-01T00:00:00Z')"
            func binding(_ title: String, _ expression: String) -> String {
                #"{"role":"roles/viewer","members":["user:x@example.com"],"condition":{"title":"\#(title)","expression":"\#(expression)"}}"#
            }
            try await fake.seed(
                Self.project,
                #"{"version":3,"bindings":["#
                    + [
                        binding("jitsudo req_EXPIRED", past), binding("jitsudo req_REVOKED", future), binding("jitsudo req_ACTIVE", future),
                        binding("other-install req_X", past), binding("office hours", past),
                    ].joined(separator: ",") + "]}")
            let provider = try Self.provider(fake, ["allowed_resources": "team-project"])
            let removed = try await provider.removeDrift { id in id == "req_REVOKED" ? "grant_not_active" : nil }
            #expect(Set(removed.map { "\($0.requestID):\($0.reason)" }) == ["req_EXPIRED:condition_expired", "req_REVOKED:grant_not_active"])
            #expect(removed.allSatisfy { $0.scope == Self.project && $0.kind == "IAMBinding" })
            let titles = try await fake.storedPolicy(Self.project)["bindings"]?.arrayValue?.compactMap { $0["condition"]?["title"]?.stringValue }
            #expect(titles == ["jitsudo req_ACTIVE", "other-install req_X", "office hours"])
            #expect(try await provider.removeDrift { _ in nil }.isEmpty)
        }
    }

    /// A key file the fake has never seen.
    static func strangerKey(in directory: String) throws -> String {
        let path = directory + "/stranger.json"
        let json = try String(contentsOfFile: directory + "/key.json", encoding: .utf8)
        let document = try JSONValue.parse(json)
        let other = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        try document.setting("private_key", to: .string(other.pkcs8PEMRepresentation)).text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
