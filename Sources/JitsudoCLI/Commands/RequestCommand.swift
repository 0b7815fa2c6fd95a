import ArgumentParser
import NIOHTTP1
import Foundation
import JitsudoAPI

/// `jitsudo request`: ask for elevated access.
struct RequestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Request temporary elevated access to a role.",
        discussion: """
            Creates an elevation request. The eligibility policy decides whether you may ask; the approval \
            policy decides who approves (or approves automatically). --break-glass skips approval in an \
            emergency and alerts everyone. With --wait the command blocks until the grant is ACTIVE \
            (exit 0) or the request ends otherwise (exit 1).

            Examples:
              jitsudo request --provider aws --role prod-infra-admin --scope 123456789012 --duration 2h --reason "INC-4421"
              id=$(jitsudo request -q --provider mock --role admin --scope dev --wait)
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Cloud provider: aws, gcp, azure, kubernetes or mock.")
    var provider: String

    @Option(help: "Provider role to assume (for example prod-infra-admin).")
    var role: String

    @Option(help: "Resource scope: account id, project, subscription, namespace or '*'.")
    var scope: String

    @Option(help: "How long the grant lasts: 30m, 2h, 2h30m, 1d.")
    var duration = "1h"

    @Option(help: "Why you need the access (shown to approvers and in the audit log).")
    var reason = ""

    @Flag(name: .customLong("break-glass"), help: "Emergency access without approval; alerts every channel.")
    var breakGlass = false

    @Flag(help: "Wait (polling every 2 s) until the request is ACTIVE or has ended.")
    var wait = false

    func validate() throws {
        try global.requireNoCSV()
        do { _ = try GrantDurationBridge.seconds(duration) } catch let error as CLIError { throw ValidationError("--duration: \(error.message)") }
        if provider.isEmpty || role.isEmpty || scope.isEmpty { throw ValidationError("--provider, --role and --scope must not be empty") }
    }

    func run() async throws {
        let seconds = try GrantDurationBridge.seconds(duration)
        try await global.withClient { client in
            let body = CreateRequestBody(
                provider: provider, role: role, resourceScope: scope, durationSeconds: seconds, reason: reason, breakGlass: breakGlass)
            var request = try await client.call(.POST, "/api/v1alpha1/requests", body: body, as: RequestEnvelope.self).request
            if wait {
                var shown = ""
                while request.shortState == "PENDING" || request.shortState == "APPROVED" {
                    if shown != request.shortState {
                        Console.error("Waiting: \(request.id) is \(request.shortState)...")
                        shown = request.shortState
                    }
                    try await Task.sleep(for: .seconds(2))
                    request = try await client.call(.GET, "/api/v1alpha1/requests/\(request.id)", as: RequestEnvelope.self).request
                }
                Console.error("Request \(request.id) is \(request.shortState)")
            }
            try print(request)
            if wait && request.shortState != "ACTIVE" { throw ExitCode.failure }
        }
    }

    private func print(_ request: WireRequest) throws {
        switch global.output {
        case .json, .yaml, .csv: try Renderer.emit(RequestRow(request), format: global.output)
        case .table:
            if global.quiet {
                Console.out(request.id)
                return
            }
            let color = Console.useColor(noColorFlag: global.noColor)
            Console.out("Request ID: \(request.id)")
            Console.out("State:      \(Console.state(request.shortState, color: color))")
            Console.out("Provider:   \(request.provider)")
            Console.out("Role:       \(request.role)")
            Console.out("Scope:      \(request.resourceScope)")
        }
    }
}
