import AsyncHTTPClient
import Foundation
import GoogleCloudClient
import JitsudoAPI
import JitsudoCore
import JitsudoGCPProvider
import JitsudoProviders
import JitsudoServer
import JitsudoPolicy
import JitsudoServerTesting
import JitsudoStore
import JitsudoTesting
import NIOCore
import NIOHTTP1
import Testing

/// jitsudod with the `gcp` provider against the contract fake: request → approve → ACTIVE → binding, then revoke
/// and expiry; three replicas granting on one project at once.
@Suite struct JitsudodGCPTests {
    static let project = "projects/team-project"
    static let eligibility = """
        package jitsudo.eligibility

        allow if input.request.provider == "gcp"
        """
    static let approval = """
        package jitsudo.approval

        approver_tier := "auto" if input.request.role == "roles/viewer"
        approver_tier := "auto" if input.request.role == "deployer"
        """

    static func configuration(databaseURL: String, fake: FakeGCP, _ extra: [String: String] = [:]) -> ServerConfiguration {
        var configuration = InProcessDaemon.configuration(databaseURL: databaseURL)
        var values = [
            "enabled": "true", "endpoint_url": fake.baseURL, "iam_credentials_url": fake.baseURL,
            "token_url": fake.baseURL + "/token", "allowed_roles": "roles/viewer,roles/editor", "credentials_file": fake.keyFile,
            "reconcile_interval": "1s",
        ]
        values.merge(extra) { _, new in new }
        configuration.providers.cloud["gcp"] = ProviderSettings(provider: "gcp", values: values)
        return configuration
    }

    struct API {
        let base: String
        func call(_ method: HTTPMethod, _ path: String, as caller: String, json: String? = nil) async throws -> (Int, String) {
            try await DaemonAPI(baseURL: base).call(method, path, as: caller, json: json)
        }

        func installPolicies() async throws {
            try await DaemonAPI(baseURL: base).applyPolicies([("eligibility", "eligibility", eligibility), ("approval", "approval", approval)])
        }

        func submit(_ user: String, role: String = "roles/viewer", seconds: Int = 600) async throws -> WireRequest {
            let submission = #"{"provider":"gcp","role":"\#(role)","resource_scope":"team-project","duration_seconds":\#(seconds),"reason":"INC-1"}"#
            let (status, body) = try await call(.POST, "/requests", as: user, json: submission)
            guard status == 200 else { throw FakeGCP.Failure(description: "submit: \(status) \(body)") }
            return try JSONDecoder().decode(RequestEnvelope.self, from: Data(body.utf8)).request
        }

        func request(_ id: String) async throws -> WireRequest {
            let (_, body) = try await call(.GET, "/requests/\(id)", as: "root@example.com;jitsudo-admins")
            return try JSONDecoder().decode(RequestEnvelope.self, from: Data(body.utf8)).request
        }
    }

    @Test func anApprovedRequestBindsTheRoleUnderItsConditionAndRevokeAndExpiryRemoveIt() async throws {
        try await FakeGCP.with(["--project", "team-project"]) { fake in
            try await fake.seed(Self.project, SeedPolicy.text)
            let url = try await TestPostgres.shared.createDatabase()
            let configuration = Self.configuration(databaseURL: url.urlString, fake: fake)
            try await InProcessDaemon.run(configuration, label: "jitsudod.gcp-test") { base, daemon in
                let api = API(base: base)
                try await api.installPolicies()
                let request = try await api.submit("alice@example.com")
                #expect(request.state == "REQUEST_STATE_ACTIVE", "\(request)")
                let stored = try await fake.storedPolicy(Self.project)
                let ours = try #require(stored["bindings"]?.arrayValue?.last)
                let expiresAt = try #require(request.expiresAt.flatMap(GoogleCloudClient.parseTimestamp))
                #expect(ours["condition"]?["title"] == .string("jitsudo \(request.id)"))
                let end = try #require(ours["condition"]?["expression"]?.stringValue.flatMap(GrantCondition.end(ofExpression:)))
                #expect(abs(end.timeIntervalSince(expiresAt)) <= 2, "Google ends the access when jitsudo does")
                #expect(ours["members"] == .array([.string("user:alice@example.com")]))
                #expect(policyText(stored, withoutTitlesPrefixed: "jitsudo ") == SeedPolicy.text)

                let (status, grantBody) = try await api.call(.GET, "/requests/\(request.id)/credentials", as: "alice@example.com")
                let grant = try JSONDecoder().decode(GrantEnvelope.self, from: Data(grantBody.utf8)).grant
                #expect(status == 200 && grant.credentials.contains(.init(name: "GOOGLE_CLOUD_PROJECT", value: "team-project")))

                let (revoked, text) = try await api.call(
                    .POST, "/requests/\(request.id)/revoke", as: "alice@example.com",
                    json: #"{"reason":"done"}"#)
                #expect(revoked == 200, "\(text)")
                // The revocation may complete after the answer (the revocation queue): poll for the policy as it was, byte for byte.
                try await waitUntil("revoke leaves the policy as it was, byte for byte") {
                    try await fake.storedPolicy(Self.project).text == SeedPolicy.text
                }

                let short = try await api.submit("bob@example.com", seconds: 3)
                #expect(short.state == "REQUEST_STATE_ACTIVE")
                #expect(try await fake.storedPolicy(Self.project)["bindings"]?.arrayValue?.count == 3)
                try await waitUntil("the expired grant's binding is removed") {
                    try await fake.storedPolicy(Self.project).text == SeedPolicy.text
                }
                try await waitUntil("the request is EXPIRED") { try await api.request(short.id).state == "REQUEST_STATE_EXPIRED" }
                let events = try await AuditLog(database: daemon.database).events(matching: .init(requestID: short.id), pageSize: 50).events
                let actions = events.map(\.action)
                #expect(actions.contains("grant.issued") && actions.contains("grant.expired"), "\(actions)")
            }
        }
    }

    @Test func twentyRequestsOnOneProjectThroughThreeReplicasAtOnceAreAllBound() async throws {
        try await FakeGCP.with(["--project", "team-project", "--set-delay-ms", "20"]) { fake in
            try await fake.seed(Self.project, SeedPolicy.text)
            let url = try await TestPostgres.shared.createDatabase()
            let configuration = Self.configuration(databaseURL: url.urlString, fake: fake)
            try await InProcessDaemon.run(configuration, label: "jitsudod.gcp-1") { first, one in
                try await InProcessDaemon.run(configuration, label: "jitsudod.gcp-2") { second, two in
                    try await InProcessDaemon.run(configuration, label: "jitsudod.gcp-3") { third, three in
                        let apis = [API(base: first), API(base: second), API(base: third)]
                        try await apis[0].installPolicies()
                        // The other replicas load the policies on their NOTIFY; a request routed before that is PENDING.
                        try await waitUntil("every replica loaded both policies") {
                            [one, two, three].allSatisfy { $0.policyService.engine.policiesLoaded == 2 }
                        }
                        let requests = try await withThrowingTaskGroup(of: WireRequest.self) { group in
                            for index in 0..<20 { group.addTask { try await apis[index % 3].submit("user\(index)@example.com") } }
                            return try await group.reduce(into: []) { $0.append($1) }
                        }
                        #expect(requests.allSatisfy { $0.state == "REQUEST_STATE_ACTIVE" }, "\(requests.map(\.state))")
                        let stored = try await fake.storedPolicy(Self.project)
                        let titles = Set((stored["bindings"]?.arrayValue ?? []).compactMap { $0["condition"]?["title"]?.stringValue })
                        #expect(titles == Set(requests.map { "jitsudo \($0.id)" }).union(["office hours"]), "none lost")
                        #expect(policyText(stored, withoutTitlesPrefixed: "jitsudo ") == SeedPolicy.text)
                        let conflicts = try await fake.stat("conflicts")
                        #expect(try await fake.stat("setIamPolicy") == 20 + conflicts, "each 409 ABORTED was followed by a retry")
                    }
                }
            }
        }
    }

    @Test func impersonationHandsOutAnAccessTokenReissuedOnEveryRead() async throws {
        let account = "deployer@team-project.iam.gserviceaccount.com"
        try await FakeGCP.with(["--project", "team-project", "--service-account", account]) { fake in
            let url = try await TestPostgres.shared.createDatabase()
            let configuration = Self.configuration(
                databaseURL: url.urlString, fake: fake,
                ["mode": "impersonate", "service_accounts": "deployer=\(account)"])
            try await InProcessDaemon.run(configuration, label: "jitsudod.gcp-impersonate") { base, _ in
                let api = API(base: base)
                try await api.installPolicies()
                let request = try await api.submit("alice@example.com", role: "deployer", seconds: 1200)
                #expect(request.state == "REQUEST_STATE_ACTIVE", "\(request)")
                var tokens: [String] = []
                for _ in 0..<2 {
                    let (status, body) = try await api.call(.GET, "/requests/\(request.id)/credentials", as: "alice@example.com")
                    #expect(status == 200, "\(body)")
                    let grant = try JSONDecoder().decode(GrantEnvelope.self, from: Data(body.utf8)).grant
                    let values = Dictionary(uniqueKeysWithValues: grant.credentials.map { ($0.name, $0.value) })
                    #expect(values["CLOUDSDK_AUTH_ACCESS_TOKEN"] == values["GOOGLE_OAUTH_ACCESS_TOKEN"])
                    let expiry = try #require(values["JITSUDO_GCP_ACCESS_TOKEN_EXPIRES_AT"].flatMap(GoogleCloudClient.parseTimestamp))
                    #expect(expiry.timeIntervalSinceNow <= 1201 && expiry.timeIntervalSinceNow > 1100, "the token ends with the grant")
                    tokens.append(values["CLOUDSDK_AUTH_ACCESS_TOKEN"] ?? "")
                }
                #expect(Set(tokens).count == 2 && tokens.allSatisfy { $0.hasPrefix("ya29.fake-") })
                let lifetimes = try #require(try await fake.stats()["generatedTokens"]?.arrayValue).compactMap { entry -> Double? in
                    guard case .number(let literal)? = entry["lifetimeSeconds"] else { return nil }
                    return Double(literal)
                }
                #expect(lifetimes.first == 1200 && lifetimes.count >= 3 && lifetimes.allSatisfy { $0 <= 1200 })
            }
        }
    }
}
