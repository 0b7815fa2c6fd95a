import ArgumentParser
import Foundation

/// `jitsudo logout`: removes the stored credentials.
struct Logout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forget the stored login (~/.jitsudo/credentials).",
        discussion: "The token is deleted locally; it stays valid at the identity provider until it expires.\n\nExample:\n  jitsudo logout"
    )

    @OptionGroup var global: GlobalOptions

    func validate() throws { try global.requireNoCSV() }

    func run() async throws {
        let path = CLIFiles.credentialsPath
        if FileManager.default.fileExists(atPath: path) {
            do { try FileManager.default.removeItem(atPath: path) } catch {
                throw CLIError("cannot remove \(path): \(error) — delete it by hand")
            }
            if !global.quiet { Console.out("Logged out.") }
        } else if !global.quiet {
            Console.out("Not logged in.")
        }
    }
}
