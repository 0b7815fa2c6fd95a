import ArgumentParser
import Foundation
import NIOHTTP1
import JitsudoAPI

/// `jitsudo principal …`: trust tiers of identities.
struct PrincipalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "principal",
        abstract: "Show an identity's trust tier, or set it (admin).",
        discussion: """
            Trust tiers: 0 unknown, 1 verified and new, 2 established, 3 high trust, 4 highest (break-glass \
            eligible by policy). Policies see the tier of the requester.

            Examples:
              jitsudo principal get alice@example.com
              jitsudo principal set-tier alice@example.com 3 --notes "on-call lead"
            """,
        subcommands: [Get.self, SetTier.self]
    )

    static func emit(_ principal: WirePrincipal, global: GlobalOptions, line: String? = nil) throws {
        switch global.output {
        case .json, .yaml, .csv: try Renderer.emit(PrincipalRow(principal), format: global.output)
        case .table:
            if let line {
                Console.out(line)
                return
            }
            if global.quiet {
                Console.out(String(principal.trustTier))
                return
            }
            Console.out("Identity:    \(principal.identity)")
            Console.out("Trust tier:  \(principal.trustTier)")
            Console.out("Enrolled by: \(principal.enrolledBy)")
            Console.out("Enrolled at: \(principal.enrolledAt)")
            Console.out("Last seen:   \(principal.lastSeenAt)")
            Console.out("Notes:       \(principal.notes)")
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an identity's trust tier.", discussion: "Example:\n  jitsudo principal get alice@example.com"
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The identity (email).")
        var email: String

        func validate() throws { try global.requireNoCSV() }

        func run() async throws {
            let principal = try await global.withClient { client in
                try await client.call(.GET, "/api/v1alpha1/principals/\(APIClient.segment(email))", as: PrincipalEnvelope.self).principal
            }
            try PrincipalCommand.emit(principal, global: global)
        }
    }

    struct SetTier: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-tier",
            abstract: "Set an identity's trust tier, 0–4 (admin).",
            discussion: "Example:\n  jitsudo principal set-tier alice@example.com 3 --notes \"promoted after review\""
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The identity (email).")
        var email: String

        @Argument(help: "Trust tier 0–4.")
        var tier: Int

        @Option(help: "Admin notes kept with the tier.")
        var notes = ""

        func validate() throws {
            try global.requireNoCSV()
            if !(0...4).contains(tier) { throw ValidationError("trust tier must be 0–4, got \(tier)") }
        }

        func run() async throws {
            let principal = try await global.withClient { client in
                try await client.call(
                    .PUT, "/api/v1alpha1/principals/\(APIClient.segment(email))/trust-tier",
                    body: TrustTierBody(trustTier: Int64(tier), notes: notes), as: PrincipalEnvelope.self
                ).principal
            }
            try PrincipalCommand.emit(principal, global: global, line: "Principal \(principal.identity) → trust tier \(principal.trustTier)")
        }
    }
}
