import ArgumentParser
import Foundation
import JitsudoAPI

/// `jitsudo credentials`: print a grant's credentials for a shell, a script or the AWS CLI's `credential_process`.
struct CredentialsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credentials",
        abstract: "Print the credentials of an active grant.",
        discussion: """
            Fetches the grant's credentials (for an AWS grant longer than one STS session, a fresh session within \
            the grant's window) and prints them on stdout:
              env                     export lines for a shell: eval "$(jitsudo credentials <id>)"
              json                    {"request_id", "expires_at", "credentials": {name: value}}
              aws-credential-process  the AWS CLI/SDK credential_process format (Version 1, Expiration)

            Example ~/.aws/config:
              [profile jit]
              credential_process = jitsudo credentials req_01JQ3Z8H6D5Y4C2B1A0F9E8D7C --format aws-credential-process
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case env, json
        case awsCredentialProcess = "aws-credential-process"
    }

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The request id (req_...) of an ACTIVE grant you requested.")
    var requestID: String

    @Option(help: "env, json or aws-credential-process.")
    var format: Format = .env

    func run() async throws {
        let grant = try await Exec.fetchGrant(requestID, global: global)
        print(try Self.render(grant, as: format), terminator: "")
    }

    /// The text printed for `grant` in `format`.
    ///
    /// - Throws: ``CLIError`` when `aws-credential-process` is asked of a grant without AWS keys.
    static func render(_ grant: WireGrant, as format: Format) throws -> String {
        let values = Dictionary(grant.credentials.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
        switch format {
        case .env:
            return grant.credentials.sorted { $0.name < $1.name }.map { "export \($0.name)=\(shellQuoted($0.value))\n" }.joined()
        case .json:
            return try json(["request_id": grant.requestId, "expires_at": grant.expiresAt, "credentials": values]) + "\n"
        case .awsCredentialProcess:
            guard let key = values["AWS_ACCESS_KEY_ID"], let secret = values["AWS_SECRET_ACCESS_KEY"] else {
                throw CLIError("grant \(grant.requestId) has no AWS access keys (an identity_center grant: sign in through the access portal)")
            }
            var object: [String: Any] = [
                "Version": 1, "AccessKeyId": key, "SecretAccessKey": secret,
                "Expiration": values["AWS_CREDENTIAL_EXPIRATION"] ?? grant.expiresAt,
            ]
            object["SessionToken"] = values["AWS_SESSION_TOKEN"]
            return try json(object) + "\n"
        }
    }

    static func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    /// `'…'` with embedded single quotes closed, escaped and reopened.
    static func shellQuoted(_ value: String) -> String { "'" + value.replacingOccurrences(of: "'", with: #"'\''"#) + "'" }
}
