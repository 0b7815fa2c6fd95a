import ArgumentParser
import Foundation

/// `jitsudo login`: the OIDC device authorization grant (RFC 8628), stored in `~/.jitsudo/credentials`.
struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Log in with your identity provider (OIDC device flow).",
        discussion: """
            Opens a device-code login at the identity provider: visit the printed URL in any browser, confirm the \
            code, and jitsudo stores the resulting token in ~/.jitsudo/credentials (mode 0600). When the token \
            expires and the provider issued a refresh token, later commands renew it silently.

            --user sends the account as the OIDC login_hint; the development issuer of `jitsudod dev` logs you in \
            as that account at once (no browser), so two people can try requests and approvals on one machine.

            Example:
              jitsudo login --provider https://idp.example.com --server https://jitsudo.example.com
              jitsudo login --provider http://127.0.0.1:8080/dev-oidc --server http://127.0.0.1:8080 --user bob@example.com
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("OIDC issuer URL of your identity provider.", valueName: "issuer-url"))
    var provider: String

    @Option(name: .customLong("client-id"), help: "OAuth client id registered for the CLI.")
    var clientID = "jitsudo-cli"

    @Option(help: ArgumentHelp("The account to log in as (sent as the OIDC login_hint).", valueName: "email"))
    var user: String?

    func validate() throws {
        try global.requireNoCSV()
        guard provider.hasPrefix("https://") || provider.hasPrefix("http://") else {
            throw ValidationError("--provider must be the issuer URL, like https://idp.example.com")
        }
        if let user, user.isEmpty || user.count > 254 || !user.contains("@") {
            throw ValidationError("--user must be an e-mail address, like bob@example.com")
        }
    }

    func run() async throws {
        let session = try Session(global)
        let serverText = session.serverText()
        if let serverText { _ = try ServerAddress(serverText) }
        let client = try APIClient(server: try ServerAddress(provider), token: nil, debug: global.debug, tls: session.tlsMaterial())
        let credentials: Credentials
        do {
            credentials = try await login(client: client, server: serverText.map { try ServerAddress($0).description })
            await client.shutdown()
        } catch {
            await client.shutdown()
            throw error
        }
        try credentials.save()
        switch global.output {
        case .json, .yaml, .csv:
            try Renderer.emit(
                ["email": credentials.email ?? "", "server_url": credentials.serverURL ?? "", "expires_at": credentials.expiresAt ?? ""],
                format: global.output
            )
        case .table:
            Console.out("Logged in as \(credentials.email ?? "(no email claim)")")
            if let server = credentials.serverURL { Console.out("Server:     \(server)") }
        }
    }

    private func login(client: APIClient, server: String?) async throws -> Credentials {
        let flow = DeviceFlow(issuer: provider, clientID: clientID, client: client)
        let discovery = try await flow.discover()
        let authorization = try await flow.authorize(discovery, loginHint: user)
        let humanOutput = global.output == .table
        let say: (String) -> Void = { line in if humanOutput { Console.out(line) } else { Console.error(line) } }
        if let complete = authorization.verificationURIComplete {
            say("Open this URL to authenticate:")
            say("  \(complete)")
            say("")
        } else {
            say("Visit: \(authorization.verificationURI ?? provider)")
            say("Code:  \(authorization.userCode)")
            say("")
        }
        say("Waiting for authorization...")
        let spinner = Spinner(enabled: Console.stderrIsTerminal && !global.quiet)
        let token = try await flow.poll(discovery, authorization) { spinner.tick() }
        spinner.clear()
        guard let idToken = token.idToken else { throw CLIError("the identity provider returned no ID token — check its client configuration") }
        let claims = TokenClaims(idToken)
        let expiry = claims.expiry ?? token.expiresIn.map { Date().addingTimeInterval(Double($0)) }
        return Credentials(
            serverURL: server, token: idToken, expiresAt: expiry.map(Timestamps.utc), email: claims.email,
            refreshToken: token.refreshToken, issuer: provider, clientID: clientID
        )
    }
}
