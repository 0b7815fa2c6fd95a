/// A failure the CLI reports as `Error: <message>` on stderr and turns into an exit code (`cli.md` §1.1).
///
/// Messages name the problem and the next step; they never carry tokens or credentials.
public struct CLIError: Error, Sendable, CustomStringConvertible {
    /// The process exit code.
    public var exitCode: Int32
    /// One sentence for the `Error:` line.
    public var message: String

    public init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }

    /// Exit 4: no token at all.
    static let notAuthenticated = CLIError("not authenticated — run 'jitsudo login' first", exitCode: 4)

    /// Exit 64: no server address from any source.
    static let noServer = CLIError(
        "no server URL configured — pass --server <URL>, set JITSUDO_SERVER=<URL>, or add 'server: <URL>' to ~/.jitsudo/config.yaml",
        exitCode: 64
    )

    /// Exit 4: the stored login is past `expires_at` and could not be refreshed.
    static func loginExpired(_ at: String) -> CLIError {
        CLIError("login expired at \(at) — run 'jitsudo login'", exitCode: 4)
    }

    /// Exit 64 for a bad value the CLI found before sending anything.
    static func usage(_ message: String) -> CLIError { CLIError(message, exitCode: 64) }
}
