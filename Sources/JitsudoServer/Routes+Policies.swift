import Foundation
import Hummingbird
import JitsudoAPI
import JitsudoCore
import JitsudoPolicy
import JitsudoStore

extension APIRoutes {
    static func policyType(_ text: String?, default fallback: PolicyType? = .eligibility) throws(APIError) -> PolicyType? {
        guard let text, !text.isEmpty, text != "0", text.uppercased() != "POLICY_TYPE_UNSPECIFIED" else { return fallback }
        guard let type = PolicyType(parsing: text) else {
            throw APIError.invalidArgument("type must be eligibility or approval, got '\(text.prefix(40))'")
        }
        return type
    }

    /// Runs a policy write, turning a compile failure into 400 `policy compile: …`, then reloads this replica.
    static func writing<T: Sendable>(_ deps: RouteDependencies, _ body: () async throws -> T) async throws -> T {
        let result: T
        do {
            result = try await body()
        } catch let error as PolicyCompileError {
            throw APIError.invalidArgument("policy compile: \(error.description)")
        }
        _ = try? await deps.policies.reload()
        return result
    }

    static func addPolicies(to group: RouteTable, _ deps: RouteDependencies) {
        group.get("policies") { request, context in
            _ = try context.requireCaller()
            let type = try policyType(try request.query("type"), default: nil)
            let name = try request.query("name").flatMap { $0.isEmpty ? nil : $0 }
            return try HTTPJSON.response(PolicyList(policies: try await deps.policyRepository.list(type: type, name: name).map(WirePolicy.init)))
        }
        group.get("policies/:id") { _, context in
            _ = try context.requireCaller()
            return try HTTPJSON.response(
                PolicyEnvelope(policy: WirePolicy(try await deps.policyRepository.get(try context.parameters.require("id")))))
        }
        group.post("policies") { request, context in
            let caller = try context.requireAdmin()
            let body = try PolicyApplyBody(try await HTTPJSON.fields(request, context: context))
            let (name, rego, description, enabled) = (body.name, body.rego, body.description, body.enabled)
            let type = try policyType(body.type) ?? .eligibility
            do { try Policy.validateName(name) } catch { throw APIError.invalidArgument((error as? CoreError)?.message ?? "\(error)") }
            var generator = SystemRandomNumberGenerator()
            let newID = PolicyID.generate(milliseconds: UInt64(Date().timeIntervalSince1970 * 1000), using: &generator)
            let applied = try await writing(deps) {
                try await deps.policyRepository.apply(
                    name: name, type: type, rego: rego, description: description, enabled: enabled,
                    by: caller.email, newID: newID, validate: deps.policies.validator)
            }
            return try HTTPJSON.response(PolicyEnvelope(policy: WirePolicy(applied.policy)))
        }
        group.patch("policies/:id") { request, context in
            let caller = try context.requireAdmin()
            let body = try PolicyUpdateBody(try await HTTPJSON.fields(request, context: context))
            let (enabled, description) = (body.enabled, body.description)
            let reference = try context.parameters.require("id")
            let updated = try await writing(deps) {
                try await deps.policyRepository.update(
                    reference, enabled: enabled, description: description, by: caller.email,
                    validate: deps.policies.validator)
            }
            return try HTTPJSON.response(PolicyEnvelope(policy: WirePolicy(updated)))
        }
        group.delete("policies/:id") { _, context in
            let caller = try context.requireAdmin()
            let reference = try context.parameters.require("id")
            _ = try await writing(deps) {
                try await deps.policyRepository.delete(reference, by: caller.email, validate: deps.policies.validator)
            }
            return HTTPJSON.text("{}", contentType: "application/json; charset=utf-8")
        }
        group.post("policies:eval") { request, context in
            _ = try context.requireCaller()
            let body = try PolicyEvalBody(try await HTTPJSON.fields(request, context: context))
            let type = try policyType(body.type) ?? .eligibility
            let inputJSON = body.inputJson
            var now = AuditTimestamp.now()
            if let text = body.now {
                guard let fixed = AuditTimestamp(parsing: text) else {
                    throw APIError.invalidArgument("now must be an RFC 3339 time in UTC, like 2026-03-18T10:00:00Z")
                }
                now = fixed
            }
            // Rego's time.now_ns is a 64-bit nanosecond count: years outside 1678–2261 do not fit (and used to trap).
            let (nowNanos, overflow) = now.microseconds.multipliedReportingOverflow(by: 1_000)
            guard !overflow else { throw APIError.invalidArgument("now must lie between the years 1678 and 2261") }
            guard let result = deps.policies.engine.dryRun(type, inputJSON: inputJSON, now: nowNanos) else {
                throw APIError.invalidArgument("input_json is not valid JSON")
            }
            return try HTTPJSON.response(PolicyEvalResult(allowed: result.allowed, reason: result.reason, resultJson: result.resultJSON))
        }
        group.post("admin/reload-policies") { _, context in
            _ = try context.requireAdmin()
            do {
                return try HTTPJSON.response(ReloadResult(policiesLoaded: try await deps.policies.reload()))
            } catch let error as PolicyCompileError {
                throw APIError.invalidArgument("policy compile: \(error.description); the last good set stays loaded")
            }
        }
    }
}
