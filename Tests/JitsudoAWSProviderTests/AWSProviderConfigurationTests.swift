import JitsudoAWSProvider
import JitsudoProviders
import Testing

@Suite struct AWSProviderConfigurationTests {
    @Test func defaultsAndErrorsNameTheKey() throws {
        let defaults = try AWSProvider.Configuration(settings: ProviderSettings(provider: "aws", values: [:]))
        #expect(defaults.region == "us-east-1" && defaults.mode == .assumeRole && defaults.maximumDurationSeconds == 43_200)
        #expect(defaults.roleARNTemplate == "arn:aws:iam::{scope}:role/{role}")
        do {
            _ = try AWSProvider.Configuration(settings: ProviderSettings(provider: "aws", values: ["allowed_accounts": "12345"]))
            Issue.record("a short account id was accepted")
        } catch {
            #expect(error.key == "providers.aws.allowed_accounts")
        }
        do {
            _ = try AWSProvider.Configuration(settings: ProviderSettings(provider: "aws", values: ["mode": "identity_center"]))
            Issue.record("identity_center without an instance was accepted")
        } catch {
            #expect(error.key == "providers.aws.identity_center.instance_arn")
        }
    }

    @Test func sessionNamesFollowAWSsRules() {
        #expect(SessionNaming.sanitized("alice@example.com") == "alice@example.com")
        #expect(SessionNaming.sanitized("a b/c:d") == "a-b-c-d")
        #expect(SessionNaming.sanitized("x") == "x-")
        #expect(SessionNaming.sanitized(String(repeating: "é", count: 100)).count == 64)
        #expect(SessionNaming.isAccountID("123456789012") && !SessionNaming.isAccountID("12345678901a") && !SessionNaming.isAccountID("1234"))
        #expect(SessionNaming.sessionSeconds(remaining: 60, maximum: 3600) == 900)
        #expect(SessionNaming.sessionSeconds(remaining: 7200, maximum: 3600) == 3600)
        #expect(SessionNaming.sessionSeconds(remaining: 7200, maximum: 43_200) == 7200)
    }
}
