import Foundation
import Hummingbird
import JitsudoAPI
import JitsudoCore
import JitsudoPolicy
import JitsudoStore

/// The admin page under `/ui/admin` (admins only): the same repository calls as the API's admin routes, audited
/// the same way.
extension ConsoleRoutes {
    static func addAdmin(to router: Router<APIContext>, _ console: ConsoleRoutes) {
        router.get("ui/admin") { request, _ in
            await console.guarded(request) {
                let viewer = try await console.requireAdmin(request)
                return html(try await console.adminPage(viewer))
            }
        }
        router.post("ui/admin/policies/:id/enabled") { request, context in
            await console.guarded(request) {
                let (viewer, form) = try await console.post(request, context)
                try console.requireAdmin(viewer)
                let reference = try context.parameters.require("id")
                let deps = console.deps
                _ = try await APIRoutes.writing(deps) {
                    try await deps.policyRepository.update(
                        reference, enabled: form["enabled"] == "true", description: nil, by: viewer.caller.email, validate: deps.policies.validator)
                }
                return redirect("/ui/admin")
            }
        }
        router.post("ui/admin/eval") { request, context in
            await console.guarded(request) {
                let (viewer, form) = try await console.post(request, context)
                try console.requireAdmin(viewer)
                let type: PolicyType = form["type"] == "approval" ? .approval : .eligibility
                let input = form["input"] ?? ""
                guard let result = console.deps.policies.engine.dryRun(type, inputJSON: input, now: AuditTimestamp.now().microseconds * 1_000) else {
                    throw ConsoleRefusal(status: .badRequest, message: "The input is not valid JSON.")
                }
                let evaluation = ConsoleAdminPages.Evaluation(
                    type: type == .approval ? "approval" : "eligibility", input: input, allowed: result.allowed, reason: result.reason,
                    resultJSON: result.resultJSON)
                return html(try await console.adminPage(viewer, evaluation: evaluation))
            }
        }
        router.post("ui/admin/trust-tier") { request, context in
            await console.guarded(request) {
                let (viewer, form) = try await console.post(request, context)
                try console.requireAdmin(viewer)
                let identity = (form["identity"] ?? "").trimmingCharacters(in: .whitespaces)
                guard !identity.isEmpty, let tier = Int(form["tier"] ?? ""), (0...4).contains(tier) else {
                    throw ConsoleRefusal(status: .badRequest, message: "An identity and a trust tier from 0 to 4 are required.")
                }
                let principal = try await console.deps.requests.setTrustTier(
                    identity, tier: tier, notes: form["notes"] ?? "", by: viewer.caller.email)
                return html(try await console.adminPage(viewer, notice: "\(principal.identity) now has trust tier \(principal.trustTier)."))
            }
        }
    }

    func requireAdmin(_ request: Request) async throws -> SignedIn {
        let viewer = try await requireSignedIn(request)
        try requireAdmin(viewer)
        return viewer
    }

    func requireAdmin(_ viewer: SignedIn) throws {
        guard viewer.caller.isAdmin else {
            throw ConsoleRefusal(status: .forbidden, message: "The admin page is for members of the admin groups.")
        }
    }

    func adminPage(_ viewer: SignedIn, evaluation: ConsoleAdminPages.Evaluation? = nil, notice: String? = nil) async throws -> String {
        let policies = try await deps.policyRepository.list().map(WirePolicy.init)
        let replicas = try await ReplicaRegistry(database: deps.requests.requests.database).list()
        return ConsoleAdminPages.admin(viewer.viewer, policies: policies, replicas: replicas, evaluation: evaluation, notice: notice)
    }
}
