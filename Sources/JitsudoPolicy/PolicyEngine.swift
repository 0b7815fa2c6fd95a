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

        func value(_ rule: String, input: RegoValue, now: Int64) throws -> RegoValue? {
            guard let query = queries[rule] else { return nil }
            let start = ContinuousClock.now
            defer {
                let elapsed = ContinuousClock.now - start
                Metrics.Timer(label: "jitsudo_policy_eval_duration_seconds", dimensions: [("type", type.rawValue.lowercased())],
                              preferredDisplayUnit: .seconds)
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

    /// The eligibility decision for a submission (`allow`, `reason`, `break_glass_allowed`, `max_duration_seconds`).
    public func eligibility(_ input: PolicyInput, now: Int64) -> EligibilityDecision {
        guard let set = set(.eligibility) else {
            return EligibilityDecision(allowed: false, reason: "", breakGlassAllowed: false, maxDurationSeconds: nil, evaluationFailed: false)
        }
        let value = input.regoValue
        do {
            let allowed = try set.value("allow", input: value, now: now) == .bool(true)
            let reason = (try? set.value("reason", input: value, now: now))??.stringValue ?? ""
            let breakGlass = (try? set.value("break_glass_allowed", input: value, now: now)) == .some(.bool(true))
            let maxDuration = (try? set.value("max_duration_seconds", input: value, now: now))??.numberValue?.intValue.map { Int64($0) }
            return EligibilityDecision(allowed: allowed, reason: reason, breakGlassAllowed: breakGlass, maxDurationSeconds: maxDuration,
                                       evaluationFailed: false)
        } catch {
            return EligibilityDecision(allowed: false, reason: "", breakGlassAllowed: false, maxDurationSeconds: nil, evaluationFailed: true,
                                       error: "\(error)")
        }
    }

    /// The routing of a new request: tier (undefined or other → human; an evaluation error refuses the request)
    /// and the required number of approvals (undefined or invalid → 1).
    public func routing(_ input: PolicyInput, now: Int64) -> RoutingDecision {
        guard let set = set(.approval) else { return RoutingDecision(tier: .human, requiredApprovals: 1) }
        let value = input.regoValue
        let tier: ApproverTier
        do {
            tier = (try set.value("approver_tier", input: value, now: now))?.stringValue.flatMap(ApproverTier.init(rawValue:)) ?? .human
        } catch {
            return RoutingDecision(tier: nil, requiredApprovals: 1, error: "\(error)")
        }
        var required = 1
        if let number = (try? set.value("required_approvals", input: value, now: now))??.numberValue?.intValue, number >= 1, number <= 100 {
            required = number
        }
        return RoutingDecision(tier: tier, requiredApprovals: required)
    }

    /// Whether the approval policy allows the person in `input.user` to act (`allow`, `reason`).
    public func approver(_ input: PolicyInput, now: Int64) -> ApproverDecision {
        guard let set = set(.approval) else { return ApproverDecision(allowed: false, reason: "no approval policy is loaded") }
        let value = input.regoValue
        do {
            let allowed = try set.value("allow", input: value, now: now) == .bool(true)
            let reason = (try? set.value("reason", input: value, now: now))??.stringValue ?? ""
            return ApproverDecision(allowed: allowed, reason: reason)
        } catch {
            return ApproverDecision(allowed: false, reason: "policy evaluation failed", evaluationFailed: true)
        }
    }

    /// `policies:eval`: the loaded set of `type` against `input` verbatim. Returns nil when `input` is not JSON.
    public func dryRun(_ type: PolicyType, inputJSON: String, now: Int64) -> (allowed: Bool, reason: String, resultJSON: String)? {
        guard let input = try? RegoValue(jsonText: inputJSON) else { return nil }
        guard let set = set(type) else { return (false, "", "{}") }
        var result: [RegoValue: RegoValue] = [:]
        let outputs = type == .eligibility ? ["allow", "reason"] : ["allow", "reason", "approver_tier"]
        for rule in outputs {
            if let value = try? set.value(rule, input: input, now: now) { result[.string(rule)] = value }
        }
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

public struct EligibilityDecision: Sendable, Hashable {
    public var allowed: Bool
    public var reason: String
    public var breakGlassAllowed: Bool
    public var maxDurationSeconds: Int64?
    public var evaluationFailed: Bool
    public var error: String = ""

    public init(allowed: Bool, reason: String, breakGlassAllowed: Bool, maxDurationSeconds: Int64?, evaluationFailed: Bool, error: String = "") {
        self.allowed = allowed
        self.reason = reason
        self.breakGlassAllowed = breakGlassAllowed
        self.maxDurationSeconds = maxDurationSeconds
        self.evaluationFailed = evaluationFailed
        self.error = error
    }
}

public struct RoutingDecision: Sendable, Hashable {
    /// nil when the tier could not be evaluated: the request is refused (fail closed).
    public var tier: ApproverTier?
    public var requiredApprovals: Int
    public var error: String = ""

    public init(tier: ApproverTier?, requiredApprovals: Int, error: String = "") {
        self.tier = tier
        self.requiredApprovals = requiredApprovals
        self.error = error
    }
}

public struct ApproverDecision: Sendable, Hashable {
    public var allowed: Bool
    public var reason: String
    public var evaluationFailed: Bool = false

    public init(allowed: Bool, reason: String, evaluationFailed: Bool = false) {
        self.allowed = allowed
        self.reason = reason
        self.evaluationFailed = evaluationFailed
    }
}
