import ArgumentParser
import Foundation
import NIOHTTP1
import JitsudoAPI

/// `jitsudo approve`: approve a pending request (never your own).
struct Approve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Approve a pending request; the grant is issued at once.",
        discussion: """
            The approval policy must allow you, and you cannot approve your own request. Approving an \
            APPROVED request whose grant failed retries the grant.

            Example:
              jitsudo approve req_01JQ3Z8H6D5Y4C2B1A0F9E8D7C --comment "checked with the incident lead"
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The request id (req_...).")
    var requestID: String

    @Option(help: "Comment recorded with the approval.")
    var comment = ""

    func validate() throws { try global.requireNoCSV() }

    func run() async throws {
        try await global.withClient { client in
            let request = try await client.call(
                .POST, "/api/v1alpha1/requests/\(APIClient.segment(requestID))/approve", body: ApproveBody(comment: comment), as: RequestEnvelope.self
            ).request
            try RequestPrinter.emit(
                request, global: global, tableLine: global.quiet ? request.shortState : "Request \(request.id) → \(request.shortState)")
        }
    }
}
