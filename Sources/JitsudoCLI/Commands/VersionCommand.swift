import ArgumentParser
import Foundation
import JitsudoCore

/// `jitsudo version`.
struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the CLI version.", discussion: "Example:\n  jitsudo version"
    )

    @OptionGroup var global: GlobalOptions

    func validate() throws { try global.requireNoCSV() }

    func run() async throws {
        switch global.output {
        case .json, .yaml, .csv: try Renderer.emit(["version": JitsudoVersion.current], format: global.output)
        case .table: Console.out(global.quiet ? JitsudoVersion.current : "jitsudo \(JitsudoVersion.current)")
        }
    }
}
