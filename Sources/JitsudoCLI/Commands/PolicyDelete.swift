import ArgumentParser
import Foundation
import NIOHTTP1
import JitsudoAPI

/// `jitsudo policy delete`.
struct PolicyDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a policy (admin).",
        discussion: "Refused when the remaining enabled policies of that type would not compile.\n\nExample:\n  jitsudo policy delete broken-policy"
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Policy id (pol_...) or name.")
    var reference: String

    func validate() throws { try global.requireNoCSV() }

    func run() async throws {
        let policy = try await global.withClient { client in
            let policy = try await PolicyCommand.find(reference, client: client)
            let _: Empty = try await client.call(.DELETE, "/api/v1alpha1/policies/\(APIClient.segment(policy.id))")
            return policy
        }
        switch global.output {
        case .json, .yaml, .csv: try Renderer.emit(["id": policy.id, "name": policy.name, "deleted": "true"], format: global.output)
        case .table: Console.out(global.quiet ? policy.id : "Policy \(policy.id) deleted.")
        }
    }

    struct Empty: Decodable {}
}
