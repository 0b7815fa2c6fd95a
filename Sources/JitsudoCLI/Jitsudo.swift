public import ArgumentParser
import Foundation
import JitsudoCore

/// The root command of `jitsudo`. ``runMain()`` is the whole executable: it parses, runs, and turns
/// errors into `Error: …` lines and the exit codes of `cli.md` §1.1.
public struct Jitsudo: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "jitsudo",
        abstract: "Request, approve, use and audit just-in-time privileged access.",
        discussion: """
            jitsudo talks to the jitsudod control plane. Log in once, then request elevated access, have it \
            approved, run commands with the temporary credentials, and review the audit log.

            Typical session:
              jitsudo login --provider https://idp.example.com --server https://jitsudo.example.com
              jitsudo request --provider aws --role prod-infra-admin --scope 123456789012 --duration 2h --reason "INC-4421"
              jitsudo status --pending           # approvers: what is waiting
              jitsudo approve req_01...          # someone other than the requester
              jitsudo exec req_01... -- aws sts get-caller-identity

            The server comes from --server, JITSUDO_SERVER, 'server:' in ~/.jitsudo/config.yaml, or the login. \
            Global flags (--server, --token, -o, -q, --debug, --config, --ca-file, --no-color) go before or after the \
            command. Every command accepts -o json|yaml for scripts. Exit codes: 0 ok, 1 failed, 3 broken audit chain, \
            4 not logged in, 5 policy eval --exit-code deny, 64 usage error.
            """,
        version: "jitsudo \(JitsudoVersion.current)",
        subcommands: [
            Login.self, Logout.self, Whoami.self,
            RequestCommand.self, Status.self, Approve.self, Deny.self, Revoke.self, Extend.self, Exec.self, CredentialsCommand.self, Shell.self,
            Audit.self, PolicyCommand.self, PrincipalCommand.self, ServerCommand.self, VersionCommand.self, Completion.self,
        ]
    )

    public init() {}

    /// Parses the process arguments, runs the command and exits with the right code.
    public static func runMain(arguments: [String]? = nil) async -> Never {
        do {
            var command = try parseAsRoot(GlobalOptions.hoisted(arguments ?? Array(CommandLine.arguments.dropFirst()), root: Jitsudo.self))
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch let error as CLIError {
            Console.error("Error: \(error.message)")
            Foundation.exit(error.exitCode)
        } catch {
            // ArgumentParser's own errors (usage → 64, --help/--version → 0) and scripted ExitCodes.
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if !message.isEmpty {
                if code == .success { Console.out(message) } else { Console.error(message) }
            }
            Foundation.exit(code.rawValue)
        }
    }
}
