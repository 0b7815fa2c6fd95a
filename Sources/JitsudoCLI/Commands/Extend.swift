import ArgumentParser
import Foundation
import NIOHTTP1
import JitsudoAPI

/// `jitsudo extend`: lengthen an active grant.
struct Extend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Extend an active grant by a duration.",
        discussion: """
            The eligibility policy is checked again with the total duration; the provider extends or \
            re-issues the grant.

            Example:
              jitsudo extend req_01JQ3Z8H6D5Y4C2B1A0F9E8D7C --duration 30m --reason "rollback still running"
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The request id (req_...).")
    var requestID: String

    @Option(help: "Time to add: 30m, 1h, 2h30m.")
    var duration: String

    @Option(help: "Why more time is needed.")
    var reason = ""

    func validate() throws {
        try global.requireNoCSV()
        do { _ = try GrantDurationBridge.seconds(duration) } catch let error as CLIError { throw ValidationError("--duration: \(error.message)") }
    }

    func run() async throws {
        let seconds = try GrantDurationBridge.seconds(duration)
        try await global.withClient { client in
            let request = try await client.call(
                .POST, "/api/v1alpha1/requests/\(APIClient.segment(requestID))/extend",
                body: ExtendBody(durationSeconds: seconds, reason: reason), as: RequestEnvelope.self
            ).request
            try RequestPrinter.emit(
                request, global: global,
                tableLine: global.quiet ? (request.expiresAt ?? "") : "Request \(request.id) extended — expires \(request.expiresAt ?? "unknown")"
            )
        }
    }
}
