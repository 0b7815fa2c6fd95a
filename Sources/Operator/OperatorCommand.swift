import ArgumentParser

/// `jitsudo-operator`: the Kubernetes operator that reconciles the `jitsudod` Deployment, rotates the
/// TLS Secret and drives restores. Only the command shell exists so far.
@main
struct OperatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jitsudo-operator",
        abstract: "Kubernetes operator for jitsudo: reconciles the jitsudod Deployment, rotates TLS, drives restores.",
        discussion: "The reconcilers are not implemented yet; this build only prints its usage."
    )

    mutating func run() throws {
        print(Self.helpMessage())
    }
}
