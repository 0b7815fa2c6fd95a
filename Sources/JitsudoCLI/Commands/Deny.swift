import ArgumentParser
import Foundation
import NIOHTTP1
import JitsudoAPI

/// `jitsudo deny`: reject a pending request, or withdraw your own.
struct Deny: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deny a pending request (or withdraw your own).",
        discussion: """
            The reason is required and is shown to the requester and recorded in the audit log.

            Example:
              jitsudo deny req_01JQ3Z8H6D5Y4C2B1A0F9E8D7C --reason "use the read-only role"
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The request id (req_...).")
    var requestID: String

    @Option(help: "Why the request is denied (required).")
    var reason: String

    func validate() throws {
        try global.requireNoCSV()
        if reason.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--reason must not be empty") }
    }

    func run() async throws {
        try await global.withClient { client in
            let request = try await client.call(
                .POST, "/api/v1alpha1/requests/\(APIClient.segment(requestID))/deny", body: ReasonBody(reason: reason), as: RequestEnvelope.self
            ).request
            try RequestPrinter.emit(
                request, global: global, tableLine: global.quiet ? request.shortState : "Request \(request.id) → \(request.shortState)")
        }
    }
}
