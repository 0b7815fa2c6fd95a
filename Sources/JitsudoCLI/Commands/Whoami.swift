import ArgumentParser
import Foundation

/// `jitsudo whoami`: who the CLI acts as, from the token in use.
struct Whoami: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the identity, server and expiry of the login in use.",
        discussion: "Reads the token the CLI would send (--token, JITSUDO_TOKEN or the stored login).\n\nExample:\n  jitsudo whoami -o json"
    )

    @OptionGroup var global: GlobalOptions

    func validate() throws { try global.requireNoCSV() }

    func run() async throws {
        let session = try Session(global)
        let token = try await session.token()
        let claims = TokenClaims(token)
        let email = claims.email ?? session.credentials?.email ?? ""
        let server = session.serverText().flatMap { try? ServerAddress($0).description } ?? ""
        let expires = claims.expiry.map(Timestamps.utc) ?? session.credentials?.expiresAt ?? ""
        switch global.output {
        case .json, .yaml, .csv:
            try Renderer.emit(Whoami.Row(email: email, groups: claims.groups, server_url: server, expires_at: expires), format: global.output)
        case .table:
            if global.quiet {
                Console.out(email)
                return
            }
            Console.out("Email:   \(email)")
            if !claims.groups.isEmpty { Console.out("Groups:  \(claims.groups.joined(separator: ", "))") }
            Console.out("Server:  \(server.isEmpty ? "(not configured)" : server)")
            Console.out("Expires: \(expires.isEmpty ? "unknown" : expires)")
        }
    }

    struct Row: Encodable {
        var email: String
        var groups: [String]
        var server_url: String
        var expires_at: String
    }
}
