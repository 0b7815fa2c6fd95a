import ArgumentParser
import Foundation
import NIOHTTP1
import JitsudoAPI

/// `jitsudo revoke`: end grants early, by id or for every active grant of a user.
struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Revoke active grants: by request id, or every active grant of a user.",
        discussion: """
            Revoking an already ended request succeeds and changes nothing; revoking a PENDING request is \
            an error (deny it instead). With several ids every one is attempted; the exit code is 1 if any \
            failed. --user (admins) revokes all ACTIVE grants of that identity in one call.

            Examples:
              jitsudo revoke req_01JQ3Z8H6D5Y4C2B1A0F9E8D7C --reason "incident closed"
              jitsudo revoke --user compromised-user@example.com --reason "account takeover"
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Request ids (req_...) to revoke.")
    var requestIDs: [String] = []

    @Option(help: ArgumentHelp("Revoke every active grant of this email (admin only).", valueName: "email"))
    var user: String?

    @Option(help: "Why the grant is revoked (recorded in the audit log).")
    var reason = ""

    func validate() throws {
        try global.requireNoCSV()
        if requestIDs.isEmpty && user == nil { throw ValidationError("give one or more request ids, or --user EMAIL") }
        if !requestIDs.isEmpty && user != nil { throw ValidationError("give either request ids or --user, not both") }
        if let user, user.isEmpty { throw ValidationError("--user must not be empty") }
    }

    func run() async throws {
        try await global.withClient { client in
            if let user {
                try await revokeAll(of: user, client: client)
            } else {
                try await revokeEach(client: client)
            }
        }
    }

    private func revokeEach(client: APIClient) async throws {
        var revoked: [WireRequest] = []
        var firstError: CLIError?
        for id in requestIDs {
            do {
                let request = try await client.call(
                    .POST, "/api/v1alpha1/requests/\(APIClient.segment(id))/revoke", body: ReasonBody(reason: reason), as: RequestEnvelope.self
                ).request
                revoked.append(request)
                if global.output == .table { Console.out(global.quiet ? request.id : "Request \(request.id) → \(request.shortState)") }
            } catch let error as CLIError {
                if requestIDs.count == 1 { throw error }
                Console.error("Error: \(id): \(error.message)")
                if firstError == nil || error.exitCode == 4 { firstError = error }
            }
        }
        if global.output != .table {
            if requestIDs.count == 1, let only = revoked.first {
                try Renderer.emit(RequestRow(only), format: global.output)
            } else {
                try Renderer.emit(revoked.map(RequestRow.init), format: global.output)
            }
        }
        if let firstError { throw ExitCode(firstError.exitCode) }
    }

    private func revokeAll(of user: String, client: APIClient) async throws {
        let result = try await client.call(
            .POST, "/api/v1alpha1/requests:revoke", body: BulkRevokeBody(requesterIdentity: user, reason: reason), as: BulkRevokeResult.self
        )
        switch global.output {
        case .json, .yaml, .csv:
            try Renderer.emit(
                Summary(revoked: result.revoked.map(RequestRow.init), failed: result.failed.map { .init(id: $0.id, message: $0.message) }),
                format: global.output)
        case .table:
            for request in result.revoked { Console.out(global.quiet ? request.id : "Request \(request.id) → \(request.shortState)") }
            for failure in result.failed { Console.error("Error: could not revoke \(failure.id): \(failure.message)") }
            if !global.quiet { Console.out("Revoked \(result.revoked.count) grants of \(user)") }
        }
        if !result.failed.isEmpty { throw ExitCode.failure }
    }

    struct Summary: Encodable {
        var revoked: [RequestRow]
        var failed: [Failure]
        struct Failure: Encodable {
            var id: String
            var message: String
        }
    }
}
