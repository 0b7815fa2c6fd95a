import Foundation
public import JitsudoCore
import Rego
import Metrics
import Synchronization

/// The loaded policy sets of both types and the decisions of `policies.md` §4 and Additions.
///
/// Every failure to evaluate is a denial (fail closed). Sets are swapped atomically, so a reload never
/// leaves a replica half-loaded; a set that does not compile is refused and the last good one stays.
public final class PolicyEngine: Sendable {
    /// A compiled set of one type with its prepared queries.
    public struct CompiledSet: Sendable {
        public let type: PolicyType
        public let policyCount: Int
        let queries: [String: PreparedQuery]

        /// The value of `rule` (nil when undefined); an evaluation error is a ``PolicyFailure`` naming the rule.
        func outcome(_ rule: String, input: RegoValue, now: Int64) throws(PolicyFailure) -> RegoValue? {
            do {
                return try value(rule, input: input, now: now)
            } catch {
                throw PolicyFailure(rule: "\(type.package.split(separator: ".").last ?? "")." + rule, "\(error)")
            }
        }

        /// `reason` as text: undefined, another type or an evaluation error is `""` (§4).
        func reason(input: RegoValue, now: Int64) -> String {
            ((try? outcome("reason", input: input, now: now)) ?? nil)?.stringValue ?? ""
        }

        func value(_ rule: String, input: RegoValue, now: Int64) throws -> RegoValue? {
            guard let query = queries[rule] else { return nil }
            let start = ContinuousClock.now
            defer {
                let elapsed = ContinuousClock.now - start
                Metrics.Timer(
                    label: "jitsudo_policy_eval_duration_seconds", dimensions: [("type", type.rawValue.lowercased())],
                    preferredDisplayUnit: .seconds
                )
                .recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
            }
            return try query.evaluateValue(input: input, options: EvaluationOptions(now: Int(now)))
        }
    }

    private let loaded = Mutex<[PolicyType: CompiledSet]>([:])
    private let loadedOnce = Mutex<Bool>(false)

    public init() {}

    static let rules: [PolicyType: [String]] = [
        .eligibility: ["allow", "reason", "break_glass_allowed", "max_duration_seconds"],
        .approval: ["allow", "reason", "approver_tier", "required_approvals"],
    ]

    /// Compiles the enabled `policies` of `type` together, as `policies.md` §5 asks.
    ///
    /// - Throws: ``PolicyCompileError`` with the compiler's message (file = policy name).
    public static func compile(_ type: PolicyType, _ policies: [Policy]) throws(PolicyCompileError) -> CompiledSet {
        for policy in policies {
            let declared = declaredPackage(policy.rego)
            guard declared == type.package else {
                throw PolicyCompileError("policy \(policy.name): package must be \(type.package)\(declared.map { ", not \($0)" } ?? "")")
            }
        }
        do {
            let set = try RegoCompiler.compile(policies.map { RegoModule(name: "\($0.name).rego", source: $0.rego) })
            var queries: [String: PreparedQuery] = [:]
            for rule in rules[type] ?? [] {
                queries[rule] = try set.prepare(query: "data.\(type.package).\(rule)")
            }
            return CompiledSet(type: type, policyCount: policies.count, queries: queries)
        } catch let error as RegoError {
            throw PolicyCompileError(error.description)
        } catch {
            throw PolicyCompileError("\(error)")
        }
    }

    /// Installs new sets atomically (a type not given keeps its current set).
    public func install(_ sets: [CompiledSet]) {
        loaded.withLock { current in
            for set in sets { current[set.type] = set }
        }
        loadedOnce.withLock { $0 = true }
    }

    /// True once a load succeeded (for readiness).
    public var isLoaded: Bool { loadedOnce.withLock { $0 } }

    /// Enabled policies currently loaded, both types.
    public var policiesLoaded: Int { loaded.withLock { $0.values.reduce(0) { $0 + $1.policyCount } } }

    private func set(_ type: PolicyType) -> CompiledSet? { loaded.withLock { $0[type] } }

    /// The eligibility verdict for a submission or an extension. Fails closed: an evaluation error in `allow`,
    /// `break_glass_allowed` or `max_duration_seconds`, or a `max_duration_seconds` that is not a whole number of
    /// seconds ≥ 0, is ``EligibilityVerdict/failed(_:)``. Errors in `reason` are ignored (§4: it is only text).
    public func eligibility(_ input: PolicyInput, now: Int64) -> EligibilityVerdict {
        guard let set = set(.eligibility) else { return .deny(reason: "") }
        let value = input.regoValue
        do {
            let allow = try set.outcome("allow", input: value, now: now)
            guard allow == .bool(true) else { return .deny(reason: set.reason(input: value, now: now)) }
            let breakGlass = try set.outcome("break_glass_allowed", input: value, now: now) == .bool(true)
            let limit = try Self.maxDuration(try set.outcome("max_duration_seconds", input: value, now: now))
            return .allow(.init(maxDurationSeconds: limit, breakGlassAllowed: breakGlass))
        } catch {
            return .failed(error)
        }
    }

    /// The routing of a new request. Fails closed: an evaluation error in `approver_tier` or `required_approvals`,
    /// or a `required_approvals` that is not a whole number from 1 to 100, is ``RoutingVerdict/failed(_:)``.
    /// An undefined or unknown tier is `human`; an undefined quorum is 1.
    public func routing(_ input: PolicyInput, now: Int64) -> RoutingVerdict {
        guard let set = set(.approval) else { return .noPolicy }
        let value = input.regoValue
        do {
            let tier = try set.outcome("approver_tier", input: value, now: now)?.stringValue.flatMap(ApproverTier.init(rawValue:)) ?? .human
            let required = try Self.requiredApprovals(try set.outcome("required_approvals", input: value, now: now))
            return .route(tier: tier, requiredApprovals: required)
        } catch {
            return .failed(error)
        }
    }

    /// Whether the approval policy lets the person in `input.user` act (`allow`, `reason`); an evaluation error
    /// in `allow` is ``ApproverVerdict/failed(_:)``.
    public func approver(_ input: PolicyInput, now: Int64) -> ApproverVerdict {
        guard let set = set(.approval) else { return .deny(reason: "no approval policy is loaded") }
        let value = input.regoValue
        do {
            guard try set.outcome("allow", input: value, now: now) == .bool(true) else {
                return .deny(reason: set.reason(input: value, now: now))
            }
            return .allow
        } catch {
            return .failed(error)
        }
    }

    /// `max_duration_seconds`: undefined is no limit; a whole number ≥ 0 that fits is the limit; anything else
    /// breaks the contract.
    static func maxDuration(_ value: RegoValue?) throws(PolicyFailure) -> Int64? {
        guard let value else { return nil }
        guard let seconds = value.numberValue?.intValue, seconds >= 0 else {
            throw PolicyFailure(
                rule: "eligibility.max_duration_seconds",
                "must be a whole number of seconds ≥ 0, got \(value.jsonText.prefix(64))")
        }
        return Int64(seconds)
    }

    /// `required_approvals`: undefined is 1; a whole number from 1 to 100 is the quorum; anything else breaks the
    /// contract (it is never quietly 1).
    static func requiredApprovals(_ value: RegoValue?) throws(PolicyFailure) -> Int {
        guard let value else { return 1 }
        guard let count = value.numberValue?.intValue, (1...RoutingVerdict.maximumApprovals).contains(count) else {
            throw PolicyFailure(
                rule: "approval.required_approvals",
                "must be a whole number from 1 to \(RoutingVerdict.maximumApprovals), got \(value.jsonText.prefix(64))")
        }
        return count
    }

    /// `policies:eval`: the loaded set of `type` against `input` verbatim. Returns nil when `input` is not JSON.
    public func dryRun(_ type: PolicyType, inputJSON: String, now: Int64) -> (allowed: Bool, reason: String, resultJSON: String)? {
        guard let input = try? RegoValue(jsonText: inputJSON) else { return nil }
        guard let set = set(type) else { return (false, "", "{}") }
        var result: [RegoValue: RegoValue] = [:]
        var failure: PolicyFailure?
        let outputs = type == .eligibility ? ["allow", "reason"] : ["allow", "reason", "approver_tier"]
        for rule in outputs {
            do {
                if let value = try set.outcome(rule, input: input, now: now) { result[.string(rule)] = value }
            } catch {
                if rule != "reason" { failure = failure ?? error }
            }
        }
        // An evaluation error is shown, not hidden behind a plain "not allowed" (fail closed: never allowed).
        if let failure { return (false, "policy evaluation failed: \(failure)", RegoValue.object(RegoObject(result)).jsonText) }
        let allowed = result[.string("allow")] == .bool(true)
        let reason = result[.string("reason")]?.stringValue ?? ""
        return (allowed, reason, RegoValue.object(RegoObject(result)).jsonText)
    }

    /// The first `package` declaration of a module, skipping comments and blank lines.
    static func declaredPackage(_ source: String) -> String? {
        for rawLine in source.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard line.hasPrefix("package ") else { return nil }
            let name = line.dropFirst("package ".count).split(separator: "#").first.map { $0.trimmingCharacters(in: .whitespaces) }
            return name
        }
        return nil
    }
}

/// A policy set that does not compile; the message is the compiler's.
public struct PolicyCompileError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
