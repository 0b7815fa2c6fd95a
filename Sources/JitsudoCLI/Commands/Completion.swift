import ArgumentParser
import Foundation

/// `jitsudo completion bash|zsh|fish`.
struct Completion: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a shell completion script.",
        discussion: """
            Examples:
              jitsudo completion bash > /etc/bash_completion.d/jitsudo
              jitsudo completion zsh > "${fpath[1]}/_jitsudo"
              jitsudo completion fish > ~/.config/fish/completions/jitsudo.fish
            """
    )

    enum ShellName: String, ExpressibleByArgument, CaseIterable {
        case bash, zsh, fish
    }

    @Argument(help: "bash, zsh or fish.")
    var shell: ShellName

    func run() async throws {
        let kind: CompletionShell
        switch shell {
        case .bash: kind = .bash
        case .zsh: kind = .zsh
        case .fish: kind = .fish
        }
        print(Jitsudo.completionScript(for: kind))
    }
}
