import ArgumentParser
import JitsudoCore

/// `jitsudo`: the command-line client engineers and on-call responders use.
@main
struct JitsudoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jitsudo",
        abstract: "Request, approve and audit just-in-time privileged access.",
        discussion: "Commands arrive with the control plane; this build only prints its usage.",
        subcommands: [Version.self]
    )

    struct Version: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the CLI version.")
        func run() { print("jitsudo \(JitsudoVersion.current)") }
    }
}
