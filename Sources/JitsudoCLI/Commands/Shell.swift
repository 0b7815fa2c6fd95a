import ArgumentParser
import Foundation
import JitsudoAPI

/// `jitsudo shell`: an interactive shell with a grant's credentials.
struct Shell: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open a shell with the credentials of an active grant.",
        discussion: """
            Like exec with your shell ($SHELL, else /bin/sh), plus JITSUDO_ELEVATED=1 so prompts can show \
            the elevated context. Type 'exit' to leave; the exit code is the shell's.

            Example:
              jitsudo shell req_01JQ3Z8H6D5Y4C2B1A0F9E8D7C
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The request id (req_...) of an ACTIVE grant you requested.")
    var requestID: String

    @Option(help: ArgumentHelp("Shell to start (default $SHELL, then /bin/sh).", valueName: "path"))
    var shell: String?

    func validate() throws { try global.requireNoCSV() }

    func run() async throws {
        let grant = try await Exec.fetchGrant(requestID, global: global)
        var environment = ProcessInfo.processInfo.environment
        for credential in grant.credentials { environment[credential.name] = credential.value }
        environment["JITSUDO_REQUEST_ID"] = requestID
        environment["JITSUDO_ELEVATED"] = "1"
        let program = shell ?? environment["SHELL"].flatMap { $0.isEmpty ? nil : $0 } ?? "/bin/sh"
        let expires = Timestamps.parse(grant.expiresAt).map(Timestamps.local) ?? grant.expiresAt
        Console.error("*** jitsudo elevated shell — request \(requestID) ***")
        Console.error("*** Credentials expire at \(expires) ***")
        Console.error("*** Type 'exit' to leave the elevated context ***")
        throw ExitCode(ChildProcess.run([program], environment: environment))
    }
}
