import Foundation

/// What a command needs to talk to the server: the resolved address, the token and TLS material, in the
/// precedence of `cli.md` §1.2. `withClient` runs a body with a client and always shuts it down.
struct Session: Sendable {
    let global: GlobalOptions
    let config: CLIFiles.Config
    let credentials: Credentials?

    init(_ global: GlobalOptions) throws {
        self.global = global
        config = try CLIFiles.loadConfig(explicitPath: global.config)
        credentials = try Credentials.load()
    }

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The server: `--server`, `JITSUDO_SERVER`, config `server`, credentials `server_url`; nil if none.
    func serverText() -> String? {
        let candidates = [global.server, environment["JITSUDO_SERVER"], config.server, credentials?.serverURL]
        return candidates.compactMap { $0 }.first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    func server() throws -> ServerAddress {
        guard let text = serverText() else { throw CLIError.noServer }
        return try ServerAddress(text)
    }

    /// The token: `--token`, `JITSUDO_TOKEN`, then the stored login (refreshed when it expired and a refresh
    /// token is stored). Exit 4 when there is none or the stored one expired.
    func token() async throws -> String {
        if let token = global.token, !token.isEmpty { return token }
        if let token = environment["JITSUDO_TOKEN"], !token.isEmpty { return token }
        guard let credentials, !credentials.token.isEmpty else { throw CLIError.notAuthenticated }
        if credentials.isExpired() {
            if credentials.refreshToken != nil, credentials.issuer != nil,
                let refreshed = try? await DeviceFlow.refresh(credentials, tls: tlsMaterial(), debug: global.debug)
            {
                try refreshed.save()
                return refreshed.token
            }
            throw CLIError.loginExpired(credentials.expiresAt ?? "an unknown time")
        }
        return credentials.token
    }

    /// CA files (config `tls.ca_file`, else `~/.jitsudo/ca.crt` when present, plus `--ca-file`) and the client certificate.
    func tlsMaterial() -> APIClient.TLSMaterial {
        var material = APIClient.TLSMaterial()
        if let file = config.tls?.caFile, !file.isEmpty {
            material.caFiles.append(Self.expand(file))
        } else if FileManager.default.fileExists(atPath: CLIFiles.defaultCAPath) {
            material.caFiles.append(CLIFiles.defaultCAPath)
        }
        if let file = global.caFile { material.caFiles.append(Self.expand(file)) }
        material.certFile = config.tls?.certFile.map(Self.expand)
        material.keyFile = config.tls?.keyFile.map(Self.expand)
        return material
    }

    static func expand(_ path: String) -> String {
        path.hasPrefix("~/") ? CLIFiles.home + path.dropFirst(1) : path
    }

    /// Runs `body` with a client for the resolved server; `authenticated: false` skips the token.
    func withClient<Result: Sendable>(
        authenticated: Bool = true,
        server explicitServer: ServerAddress? = nil,
        _ body: (APIClient) async throws -> Result
    ) async throws -> Result {
        let address = try explicitServer ?? server()
        let token = authenticated ? try await token() : nil
        let client = try APIClient(server: address, token: token, debug: global.debug, tls: tlsMaterial())
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }
}

extension GlobalOptions {
    /// Opens a session and runs `body` with an authenticated client.
    func withClient<Result: Sendable>(_ body: (APIClient) async throws -> Result) async throws -> Result {
        try await Session(self).withClient(body)
    }
}
