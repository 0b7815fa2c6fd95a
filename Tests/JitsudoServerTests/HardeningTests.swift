import JitsudoDevelopment
@testable import JitsudoServer
import Testing

/// The pure parts of the abuse limits (issue 21): token buckets, the route catalog behind 405, the slow-client
/// head deadline, the evaluation bound and the `limits.*` settings. No server, no clock: time is passed in.
@Suite struct HardeningTests {
    @Test func aBucketAllowsItsCapacityThenRefusesWithTheWaitUntilTheNextToken() {
        var table = TokenBucketTable(perMinute: 6, maxKeys: 100)
        for _ in 0..<6 { #expect(table.take("alice", now: 100) == nil) }
        let wait = table.take("alice", now: 100)
        #expect(wait == 10, "6 per minute: one token every 10 s")
        #expect(table.take("bob", now: 100) == nil, "another key has its own bucket")
        #expect(table.take("alice", now: 105) != nil)
        #expect(table.take("alice", now: 110.5) == nil, "refilled after 10 s")
        #expect(table.check("alice", now: 110.5) != nil, "check never takes a token")
    }

    @Test func theTableStaysBoundedUnderManyKeys() {
        var table = TokenBucketTable(perMinute: 60, maxKeys: 50)
        for index in 0..<1_000 { _ = table.take("10.0.\(index / 256).\(index % 256)", now: Double(index) / 1_000) }
        #expect(table.trackedKeys <= 50)
        // A key that spent its bucket and was seen last is kept: the limit holds while an attacker rotates addresses.
        var busy = TokenBucketTable(perMinute: 2, maxKeys: 10)
        _ = busy.take("attacker", now: 0)
        _ = busy.take("attacker", now: 0)
        for index in 0..<20 { _ = busy.take("other-\(index)", now: 0.001) }
        #expect(busy.take("attacker", now: 0.002) != nil)
    }

    @Test func theRouteCatalogKnowsTheMethodsOfEveryServedPathAndNothingElse() {
        let catalog = RouteCatalog([
            ("GET", "/api/v1alpha1/requests"), ("POST", "/api/v1alpha1/requests"), ("GET", "/api/v1alpha1/requests/{id}"),
            ("POST", "/api/v1alpha1/requests:revoke"), ("GET", "/healthz"), ("PATCH", "/api/v1alpha1/policies/{id}"),
            ("DELETE", "/api/v1alpha1/policies/{id}"),
        ])
        #expect(catalog.allowedMethods(for: "/api/v1alpha1/requests") == ["GET", "POST"])
        #expect(catalog.allowedMethods(for: "/api/v1alpha1/requests/req_01") == ["GET"])
        #expect(catalog.allowedMethods(for: "/api/v1alpha1/requests:revoke") == ["POST"], "a literal wins over {id}")
        #expect(catalog.allowedMethods(for: "/api/v1alpha1/policies/eligibility?x=1") == ["DELETE", "PATCH"])
        #expect(catalog.allowedMethods(for: "/healthz/") == ["GET"])
        #expect(catalog.allowedMethods(for: "/api/v1alpha1/nothing") == nil)
        #expect(catalog.allowedMethods(for: "/api/v1alpha1/requests/a/b/c") == nil)
    }

    @Test func aRequestHeadArmsTheDeadlineOnItsFirstByteAndDisarmsWhenComplete() {
        var deadline = RequestHeadDeadline()
        #expect(deadline.received(Array("GET / HTTP/1.1\r\nHost: a\r".utf8)) == .arm)
        #expect(deadline.received(Array("\n".utf8)) == .none)
        #expect(deadline.received(Array("\r".utf8)) == .none)
        #expect(deadline.received(Array("\n".utf8)) == .disarm, "the terminator split across reads")
        #expect(deadline.received(Array("{\"body\": 1}".utf8)) == .none, "body bytes are not a head")
        deadline.responded()
        #expect(deadline.received(Array("GET /x HTTP/1.1\r\n\r\n".utf8)) == .none, "a whole head in one read never arms")
        deadline.responded()
        #expect(deadline.received(Array("G".utf8)) == .arm, "the next request arms again")
    }

    @Test func theEvaluationGateAdmitsUpToItsLimitAndOnlyTheEvaluatingOperations() {
        let gate = EvaluationGate(limit: 2)
        #expect(gate.tryEnter() && gate.tryEnter())
        #expect(!gate.tryEnter())
        gate.leave()
        #expect(gate.tryEnter())
        #expect(gate.current == 2)
        for (method, path) in [
            ("POST", "/api/v1alpha1/requests"), ("POST", "/api/v1alpha1/policies:eval"), ("POST", "/api/v1alpha1/requests/req_1/approve"),
            ("POST", "/api/v1alpha1/requests/req_1/extend"), ("PATCH", "/api/v1alpha1/policies/p"), ("POST", "/api/v1alpha1/admin/reload-policies"),
        ] {
            #expect(EvaluationGate.evaluates(method: method, path: path), "\(method) \(path)")
        }
        for (method, path) in [("GET", "/api/v1alpha1/requests"), ("POST", "/api/v1alpha1/requests/req_1/revoke"), ("POST", "/mcp")] {
            #expect(!EvaluationGate.evaluates(method: method, path: path), "\(method) \(path)")
        }
    }

    @Test func limitsAreConfigurableAndValidated() throws {
        let environment = [
            "DATABASE_URL": "postgres://u@127.0.0.1/db", "JITSUDOD_OIDC_ISSUER": "https://issuer.example.com",
            "JITSUDOD_CREDENTIALS_KEY": String(repeating: "A", count: 43) + "=",
            "JITSUDOD_LIMITS_REQUESTS_PER_MINUTE_PER_IDENTITY": "0", "JITSUDOD_LIMITS_REQUEST_READ_TIMEOUT": "5s",
        ]
        let configuration = try ServerConfiguration.load(yaml: "limits:\n  max_concurrent_evaluations: 3\n", environment: environment)
        #expect(configuration.limits.requestsPerMinutePerIdentity == 0)
        #expect(configuration.limits.requestReadTimeoutSeconds == 5)
        #expect(configuration.limits.maxConcurrentEvaluations == 3)
        #expect(configuration.limits.requestsPerMinutePerAddress == AbuseLimits().requestsPerMinutePerAddress)
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.load(yaml: "limits:\n  max_concurrent_evaluations: 0\n", environment: environment)
        }
        #expect(!RateLimiter(.ratesOff).isEnabled(.identity))
        #expect(DevelopmentStack.configuration(databaseURL: "postgres://u@127.0.0.1/db", port: 1).limits == .ratesOff)
    }
}
