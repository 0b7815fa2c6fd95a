import JitsudoCore
import JitsudoPolicy
import Testing

/// Every decision rule × {undefined, valid, invalid value, evaluation error}: the verdicts of `policies.md` §4 and
/// Additions, failing closed. An evaluation error is made the way policies really make one: two bodies of one
/// complete rule producing different values for the same input (§5).
@Suite struct PolicyVerdictTests {
    static let now: Int64 = 1_773_828_000 * 1_000_000_000

    static func engine(_ type: PolicyType, _ body: String) throws -> PolicyEngine {
        let policy = Policy(
            id: try PolicyID(parsing: "pol_01JQ0000000000000000000000"), name: "under-test", type: type,
            rego: "package \(type.package)\n\n\(body)\n", enabled: true, createdAt: .init(microsecondsSinceEpoch: 0),
            updatedAt: .init(microsecondsSinceEpoch: 0))
        let engine = PolicyEngine()
        engine.install([try PolicyEngine.compile(type, [policy])])
        return engine
    }

    static func input(duration: Int64 = 3600, breakGlass: Bool = false) -> PolicyInput {
        PolicyInput(
            action: "request", userEmail: "alice@example.com", userSubject: "alice", userGroups: ["sre"],
            submission: .init(
                requesterIdentity: "alice@example.com", provider: "mock", role: "admin", resourceScope: "prod",
                durationSeconds: duration, reason: "INC-1", breakGlass: breakGlass, metadata: [:]),
            trustTier: 1, requesterTrustTier: 1)
    }

    static func conflict(_ rule: String, _ first: String, _ second: String) -> String {
        "\(rule) := \(first) if { input.user.email }\n\(rule) := \(second) if { input.request.role }"
    }

    // MARK: eligibility.allow

    @Test(arguments: [
        ("", EligibilityVerdict.deny(reason: "")),
        ("allow := true", .allow(.init())),
        ("allow := \"yes\"", .deny(reason: "")),
        ("allow := 1", .deny(reason: "")),
    ])
    func eligibilityAllowIsExactlyTrue(body: String, expected: EligibilityVerdict) throws {
        #expect(try Self.engine(.eligibility, body).eligibility(Self.input(), now: Self.now) == expected)
    }

    @Test func anEligibilityAllowThatFailsToEvaluateFailsClosed() throws {
        let verdict = try Self.engine(.eligibility, Self.conflict("allow", "true", "false")).eligibility(Self.input(), now: Self.now)
        guard case .failed(let failure) = verdict else {
            Issue.record("expected failed, got \(verdict)")
            return
        }
        #expect(failure.rule == "eligibility.allow")
    }

    // MARK: eligibility.reason

    @Test(arguments: [
        ("", ""),
        ("reason := \"only SREs\"", "only SREs"),
        ("reason := 42", ""),
        (conflict("reason", "\"a\"", "\"b\""), ""),
    ])
    func eligibilityReasonIsTextAndItsErrorsAreIgnored(body: String, reason: String) throws {
        #expect(try Self.engine(.eligibility, body).eligibility(Self.input(), now: Self.now) == .deny(reason: reason))
    }

    // MARK: eligibility.break_glass_allowed

    @Test(arguments: [
        ("", false),
        ("break_glass_allowed := true", true),
        ("break_glass_allowed := \"true\"", false),
    ])
    func breakGlassIsAllowedOnlyWhenExactlyTrue(body: String, allowed: Bool) throws {
        let verdict = try Self.engine(.eligibility, "allow := true\n" + body).eligibility(Self.input(breakGlass: true), now: Self.now)
        #expect(verdict == .allow(.init(breakGlassAllowed: allowed)))
    }

    @Test func aBreakGlassRuleThatFailsToEvaluateRefusesTheRequest() throws {
        let body = "allow := true\n" + Self.conflict("break_glass_allowed", "true", "false")
        let verdict = try Self.engine(.eligibility, body).eligibility(Self.input(breakGlass: true), now: Self.now)
        guard case .failed(let failure) = verdict else {
            Issue.record("expected failed, got \(verdict)")
            return
        }
        #expect(failure.rule == "eligibility.break_glass_allowed")
    }

    // MARK: eligibility.max_duration_seconds

    @Test(
        arguments: [
            ("", nil),
            ("max_duration_seconds := 7200", 7200),
            ("max_duration_seconds := 0", 0),
            ("max_duration_seconds := 3600.0", 3600),
        ] as [(String, Int64?)])
    func maxDurationIsCarriedByTheAllow(body: String, limit: Int64?) throws {
        let verdict = try Self.engine(.eligibility, "allow := true\n" + body).eligibility(Self.input(), now: Self.now)
        #expect(verdict == .allow(.init(maxDurationSeconds: limit)))
    }

    @Test(arguments: [
        "max_duration_seconds := \"8h\"",
        "max_duration_seconds := -1",
        "max_duration_seconds := 3600.5",
        "max_duration_seconds := 1e30",
        "max_duration_seconds := [3600]",
        "max_duration_seconds := null",
        conflict("max_duration_seconds", "3600", "7200"),
    ])
    func aMaxDurationThatIsNotAWholeNumberOrFailsRefusesNeverDropsTheLimit(body: String) throws {
        let verdict = try Self.engine(.eligibility, "allow := true\n" + body).eligibility(Self.input(), now: Self.now)
        guard case .failed(let failure) = verdict else {
            Issue.record("expected failed for \(body), got \(verdict)")
            return
        }
        #expect(failure.rule == "eligibility.max_duration_seconds")
    }

    // MARK: approval.approver_tier

    @Test(arguments: [
        ("", ApproverTier.human),
        ("approver_tier := \"auto\"", .auto),
        ("approver_tier := \"ai_review\"", .aiReview),
        ("approver_tier := \"human\"", .human),
        ("approver_tier := \"Auto\"", .human),
        ("approver_tier := true", .human),
    ])
    func theTierIsHumanUnlessThePolicyNamesAnother(body: String, tier: ApproverTier) throws {
        #expect(try Self.engine(.approval, body).routing(Self.input(), now: Self.now) == .route(tier: tier, requiredApprovals: 1))
    }

    @Test func aTierThatFailsToEvaluateRefusesTheRequest() throws {
        let verdict = try Self.engine(.approval, Self.conflict("approver_tier", "\"auto\"", "\"human\"")).routing(Self.input(), now: Self.now)
        guard case .failed(let failure) = verdict else {
            Issue.record("expected failed, got \(verdict)")
            return
        }
        #expect(failure.rule == "approval.approver_tier")
    }

    // MARK: approval.required_approvals

    @Test(arguments: [("", 1), ("required_approvals := 2", 2), ("required_approvals := 100", 100), ("required_approvals := 3.0", 3)])
    func theQuorumIsOneUnlessThePolicySetsAValidOne(body: String, required: Int) throws {
        #expect(try Self.engine(.approval, body).routing(Self.input(), now: Self.now) == .route(tier: .human, requiredApprovals: required))
    }

    @Test(arguments: [
        "required_approvals := 0",
        "required_approvals := 101",
        "required_approvals := -3",
        "required_approvals := 1.5",
        "required_approvals := \"2\"",
        "required_approvals := 99999999999999999999999",
        conflict("required_approvals", "2", "3"),
    ])
    func aQuorumOutOfRangeOrFailingIsAnErrorNeverOne(body: String) throws {
        let verdict = try Self.engine(.approval, body).routing(Self.input(), now: Self.now)
        guard case .failed(let failure) = verdict else {
            Issue.record("expected failed for \(body), got \(verdict)")
            return
        }
        #expect(failure.rule == "approval.required_approvals")
    }

    // MARK: approval.allow and approval.reason

    @Test(arguments: [
        ("", ApproverVerdict.deny(reason: "")),
        ("allow := true", .allow),
        ("allow := \"true\"", .deny(reason: "")),
        ("reason := \"on-call only\"", .deny(reason: "on-call only")),
        ("reason := 7", .deny(reason: "")),
        (conflict("reason", "\"a\"", "\"b\""), .deny(reason: "")),
    ])
    func anApproverMayActOnlyWhenAllowIsExactlyTrue(body: String, expected: ApproverVerdict) throws {
        #expect(try Self.engine(.approval, body).approver(Self.input(), now: Self.now) == expected)
    }

    @Test func anApproverAllowThatFailsToEvaluateRefuses() throws {
        let verdict = try Self.engine(.approval, Self.conflict("allow", "true", "false")).approver(Self.input(), now: Self.now)
        guard case .failed(let failure) = verdict else {
            Issue.record("expected failed, got \(verdict)")
            return
        }
        #expect(failure.rule == "approval.allow")
    }

    // MARK: no policy loaded

    @Test func withNoPolicyLoadedEligibilityDeniesAndRoutingGoesToAPerson() {
        let engine = PolicyEngine()
        #expect(engine.eligibility(Self.input(), now: Self.now) == .deny(reason: ""))
        #expect(engine.routing(Self.input(), now: Self.now) == .noPolicy)
        #expect(engine.approver(Self.input(), now: Self.now) == .deny(reason: "no approval policy is loaded"))
    }

    @Test func aDryRunShowsAnEvaluationErrorAndNeverAllows() throws {
        let engine = try Self.engine(.eligibility, Self.conflict("allow", "true", "false"))
        let result = try #require(engine.dryRun(.eligibility, inputJSON: #"{"user":{"email":"a@b"},"request":{"role":"x"}}"#, now: Self.now))
        #expect(result.allowed == false)
        #expect(result.reason.hasPrefix("policy evaluation failed: eligibility.allow"))
    }
}
