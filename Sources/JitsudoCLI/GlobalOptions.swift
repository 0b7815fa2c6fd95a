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

extension GlobalOptions {
    /// Global flags that take a value, and those that do not.
    static let valued: Set<String> = ["--server", "--token", "-o", "--output", "--config", "--ca-file"]
    static let switches: Set<String> = ["-q", "--quiet", "--debug", "--no-color"]

    /// Moves global flags written before the command (`jitsudo --server URL -o json status`) to after it, where the
    /// parser reads them, so both spellings of `cli.md` §2 work. Everything else is left as written.
    static func hoisted(_ arguments: [String], root: any ParsableCommand.Type) -> [String] {
        var globals: [String] = []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            let name = word.split(separator: "=", maxSplits: 1).first.map(String.init) ?? word
            if switches.contains(word) || (valued.contains(name) && word.contains("=")) {
                globals.append(word)
                index += 1
            } else if valued.contains(word), index + 1 < arguments.count {
                globals.append(contentsOf: [word, arguments[index + 1]])
                index += 2
            } else {
                break
            }
        }
        guard !globals.isEmpty else { return arguments }
        var rest = Array(arguments[index...])
        // Walk the command path (`policy list`): the flags go after its last word.
        var command = root
        var insertAt = 0
        while insertAt < rest.count,
            let next = command.configuration.subcommands.first(where: { $0._commandName == rest[insertAt] })
        {
            command = next
            insertAt += 1
        }
        guard insertAt > 0 else { return arguments }
        rest.insert(contentsOf: globals, at: insertAt)
        return rest
    }
}
