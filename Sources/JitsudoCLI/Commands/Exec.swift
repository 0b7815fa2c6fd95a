import ArgumentParser
import NIOHTTP1
import Foundation
import JitsudoAPI

/// `jitsudo exec`: run one command with a grant's credentials.
struct Exec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a command with the credentials of an active grant.",
        discussion: """
            Fetches the grant's credentials and runs the command with your environment plus those \
            variables and JITSUDO_REQUEST_ID. Standard input, output and error pass through; the \
            exit code is the command's (128+N if a signal ended it). Credentials never touch disk.

            Example:
              jitsudo exec req_01JQ3Z8H6D5Y4C2B1A0F9E8D7C -- aws sts get-caller-identity
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The request id (req_...) of an ACTIVE grant you requested.")
    var requestID: String

    @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.")
    var command: [String] = []

    func validate() throws {
        try global.requireNoCSV()
        if command.isEmpty { throw ValidationError("give the command to run after --, as in: jitsudo exec \(requestID) -- aws s3 ls") }
    }

    func run() async throws {
        let grant = try await Self.fetchGrant(requestID, global: global)
        var environment = ProcessInfo.processInfo.environment
        for credential in grant.credentials { environment[credential.name] = credential.value }
        environment["JITSUDO_REQUEST_ID"] = requestID
        if let hint = Self.signInHint(grant) { FileHandle.standardError.write(Data(("jitsudo: " + hint + "\n").utf8)) }
        throw ExitCode(ChildProcess.run(command, environment: environment))
    }

    /// What to tell the requester when the grant holds no keys but a sign-in (an AWS Identity Center assignment is used
    /// through the access portal or `aws sso login`, not through environment variables).
    static func signInHint(_ grant: WireGrant) -> String? {
        let names = Set(grant.credentials.map(\.name))
        guard !names.contains("AWS_ACCESS_KEY_ID"), let sign = grant.credentials.first(where: { $0.name == "JITSUDO_AWS_SIGN_IN" }) else {
            return nil
        }
        var hint = "this grant issues no keys: \(sign.value)"
        if let url = grant.credentials.first(where: { $0.name == "AWS_SSO_START_URL" })?.value {
            hint += "; or configure a profile with sso_start_url = \(url) and run `aws sso login`"
        }
        return hint
    }

    static func fetchGrant(_ requestID: String, global: GlobalOptions) async throws -> WireGrant {
        try await global.withClient { client in
            try await client.call(.GET, "/api/v1alpha1/requests/\(APIClient.segment(requestID))/credentials", as: GrantEnvelope.self).grant
        }
    }
}
