import ArgumentParser
import Foundation
import NIOHTTP1
import JitsudoAPI

/// `jitsudo policy list`.
struct PolicyList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List policies (without their Rego source).",
        discussion: "Example:\n  jitsudo policy list --type eligibility -o json"
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only policies of this type: eligibility or approval.")
    var type: PolicyTypeArgument?

    func validate() throws { try global.requireNoCSV() }

    func run() async throws {
        let policies = try await global.withClient { client in
            try await client.call(
                .GET, "/api/v1alpha1/policies", query: type.map { [("type", $0.apiName)] } ?? [], as: JitsudoAPI.PolicyList.self
            ).policies
        }
        switch global.output {
        case .json, .yaml, .csv: try Renderer.emit(policies.map { PolicyRow($0, includeRego: false) }, format: global.output)
        case .table:
            if global.quiet {
                for policy in policies { Console.out(policy.name) }
                return
            }
            guard !policies.isEmpty else {
                Console.out("No policies found.")
                return
            }
            let rows = policies.map { [$0.id, $0.name, $0.shortType, String($0.enabled), $0.updatedAt] }
            Console.out(Renderer.table(["ID", "NAME", "TYPE", "ENABLED", "UPDATED"], rows))
        }
    }
}
