import ArgumentParser
import Foundation
import NIOHTTP1
import JitsudoAPI

/// `jitsudo policy update`: enable, disable or re-describe a policy.
struct PolicyUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Enable or disable a policy, or change its description (admin).",
        discussion: """
            Enabling or disabling recompiles the enabled policies of that type; a set that would not compile \
            is refused. Run 'jitsudo server reload-policies' afterwards to be sure every replica loaded it.

            Example:
              jitsudo policy update --name broken-policy --enabled false
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Name of the policy.")
    var name: String?

    @Option(help: "Id (pol_...) of the policy.")
    var id: String?

    @Option(help: "true or false.")
    var enabled: Bool?

    @Option(help: "New description.")
    var description: String?

    func validate() throws {
        try global.requireNoCSV()
        if (name == nil) == (id == nil) { throw ValidationError("give exactly one of --name or --id") }
        if enabled == nil && description == nil { throw ValidationError("nothing to change; give --enabled true|false or --description") }
    }

    func run() async throws {
        let body = PolicyUpdateBody(enabled: enabled, description: description)
        let policy = try await global.withClient { client in
            let current = try await PolicyCommand.find(id ?? name ?? "", client: client)
            return try await client.call(.PATCH, "/api/v1alpha1/policies/\(APIClient.segment(current.id))", body: body, as: PolicyEnvelope.self)
                .policy
        }
        switch global.output {
        case .json, .yaml, .csv: try Renderer.emit(PolicyRow(policy, includeRego: false), format: global.output)
        case .table: Console.out(global.quiet ? policy.id : "Policy \(policy.name) (\(policy.shortType)) updated — enabled: \(policy.enabled)")
        }
    }
}
