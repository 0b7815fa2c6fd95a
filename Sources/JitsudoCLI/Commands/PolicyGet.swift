import ArgumentParser
import Foundation
import JitsudoAPI

/// `jitsudo policy get`.
struct PolicyGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Show one policy with its Rego source.",
        discussion: "Example:\n  jitsudo policy get dev-allow-all-eligibility\n  jitsudo policy get pol_01JQ3Z8H6D5Y4C2B1A0F9E8D7C -o yaml"
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Policy id (pol_...) or name.")
    var reference: String

    func validate() throws { try global.requireNoCSV() }

    func run() async throws {
        let policy = try await global.withClient { client in try await PolicyCommand.find(reference, client: client) }
        switch global.output {
        case .json, .yaml, .csv: try Renderer.emit(PolicyRow(policy, includeRego: true), format: global.output)
        case .table:
            if global.quiet {
                Console.out(policy.rego)
                return
            }
            Console.out("ID:          \(policy.id)")
            Console.out("Name:        \(policy.name)")
            Console.out("Type:        \(policy.shortType)")
            Console.out("Enabled:     \(policy.enabled)")
            Console.out("Description: \(policy.description)")
            Console.out("Updated:     \(policy.updatedAt)")
            Console.out("")
            Console.out("--- Rego ---")
            Console.out(policy.rego)
        }
    }
}
