import ArgumentParser

/// The flags every command accepts (`cli.md` §2), plus the TLS and colour switches of §1.2.
struct GlobalOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: ArgumentHelp("Control plane address: https://host[:port], http://host[:port] or host[:port].", valueName: "url"))
    var server: String?

    @Option(name: .long, help: ArgumentHelp("Bearer token to use instead of the stored login (also JITSUDO_TOKEN).", valueName: "token"))
    var token: String?

    @Option(name: [.short, .long], help: ArgumentHelp("Output format: table, json or yaml (audit also csv).", valueName: "format"))
    var output: OutputFormat = .table

    @Flag(name: [.short, .long], help: "Print only the essential value (for example the request id).")
    var quiet = false

    @Flag(name: .long, help: "Log method, path, status and X-Request-Id of each HTTP call to stderr.")
    var debug = false

    @Option(name: .long, help: ArgumentHelp("CLI config file (default ~/.jitsudo/config.yaml).", valueName: "path"))
    var config: String?

    @Option(name: .customLong("ca-file"), help: ArgumentHelp("Extra CA bundle (PEM) to trust for the server.", valueName: "path"))
    var caFile: String?

    @Flag(name: .customLong("no-color"), help: "Never colour the output (colour is used only on a terminal, and never when NO_COLOR is set).")
    var noColor = false

    init() {}

    /// Rejects `csv` for commands other than `audit`.
    func requireNoCSV() throws {
        if output == .csv {
            throw ValidationError("--output csv is supported only by 'jitsudo audit'; use table, json or yaml")
        }
    }
}
