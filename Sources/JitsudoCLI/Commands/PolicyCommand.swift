import ArgumentParser
import NIOHTTP1
import Foundation
import JitsudoAPI
import BoundedJSON

/// `jitsudo policy …`: manage and test the Rego policies.
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "List, inspect, apply, enable/disable, delete and evaluate policies.",
        discussion: """
            Eligibility policies decide who may request what; approval policies decide who approves. Writes \
            need the jitsudo-admins group.

            Examples:
              jitsudo policy list
              jitsudo policy apply -f eligibility.rego --type eligibility
              jitsudo policy update --name broken-policy --enabled false
              jitsudo policy eval --type eligibility --input @input.json
            """,
        subcommands: [PolicyList.self, PolicyGet.self, PolicyApply.self, PolicyUpdate.self, PolicyDelete.self, PolicyEval.self]
    )

    /// The policy named or identified by `reference` (`pol_…` ids first, then names).
    static func find(_ reference: String, client: APIClient) async throws -> WirePolicy {
        if reference.hasPrefix("pol_") {
            let response = try await client.raw(.GET, "/api/v1alpha1/policies/\(APIClient.segment(reference))")
            if response.status != 404 {
                guard (200..<300).contains(response.status) else { throw APIClient.error(from: response) }
                if let envelope = try? JSONDecoder().decodeBounded(PolicyEnvelope.self, from: response.body) { return envelope.policy }
            }
        }
        let list = try await client.call(.GET, "/api/v1alpha1/policies", query: [("name", reference)], as: JitsudoAPI.PolicyList.self)
        guard let policy = list.policies.first(where: { $0.name == reference || $0.id == reference }) else {
            throw CLIError("no policy named or with id '\(reference)' — run 'jitsudo policy list' to see the policies")
        }
        return policy
    }
}

/// `eligibility` / `approval` for `--type`.
enum PolicyTypeArgument: String, ExpressibleByArgument, CaseIterable, Sendable {
    case eligibility, approval
    init?(argument: String) {
        var lower = argument.lowercased()
        if lower.hasPrefix("policy_type_") { lower = String(lower.dropFirst(12)) }
        self.init(rawValue: lower)
    }
    var apiName: String { "POLICY_TYPE_\(rawValue.uppercased())" }
}
