import ArgumentParser
import NIOHTTP1
import Foundation
import JitsudoAPI
import BoundedJSON

/// `jitsudo policy eval`: dry-run the loaded policies against an input document.
struct PolicyEval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate the loaded policies against an input document.",
        discussion: """
            Prints the decision, the reason and the full result. Exits 0 whatever the decision, unless \
            --exit-code is given: then 0 for allow and 5 for deny, so scripts can branch on it.

            Examples:
              jitsudo policy eval --type eligibility --input '{"user":{"email":"admin@example.com","groups":["sre"]},"request":{"provider":"aws","role":"prod-infra-admin","resource_scope":"123456789012","duration_seconds":3600}}'
              jitsudo policy eval --type approval --input @input.json --exit-code
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Policy type: eligibility or approval.")
    var type: PolicyTypeArgument = .eligibility

    @Option(help: ArgumentHelp("Input document: JSON text, @file, or - for standard input.", valueName: "json"))
    var input: String

    @Option(help: ArgumentHelp("Evaluate as of this RFC 3339 time (fixes time.now_ns()).", valueName: "time"))
    var now: String?

    @Flag(name: .customLong("exit-code"), help: "Exit 5 when the decision is deny.")
    var exitCode = false

    func validate() throws {
        try global.requireNoCSV()
        if let now, Timestamps.parse(now) == nil { throw ValidationError("--now '\(now)' is not an RFC 3339 time like 2026-03-20T16:00:00Z") }
        if input.hasPrefix("@") {
            let path = String(input.dropFirst())
            guard FileManager.default.isReadableFile(atPath: path) else { throw ValidationError("cannot read input file '\(path)'") }
        }
        if input != "-" { _ = try inputText() }
    }

    func inputText() throws -> String {
        let text: String
        if input == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else if input.hasPrefix("@") {
            text = (try? String(contentsOfFile: String(input.dropFirst()), encoding: .utf8)) ?? ""
        } else {
            text = input
        }
        guard (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) is [String: Any] else {
            throw ValidationError("--input must be a JSON object, like '{\"user\":{\"email\":\"a@example.com\"},\"request\":{…}}'")
        }
        return text
    }

    func run() async throws {
        let text = try inputText()
        let body = PolicyEvalBody(inputJson: text, type: type.apiName, now: now)
        let result = try await global.withClient { client in
            try await client.call(.POST, "/api/v1alpha1/policies:eval", body: body, as: PolicyEvalResult.self)
        }
        switch global.output {
        case .json, .yaml, .csv:
            let parsed = (try? JSONDecoder().decodeBounded(JSONValue.self, from: Data(result.resultJson.utf8))) ?? .string(result.resultJson)
            try Renderer.emit(Row(allowed: result.allowed, reason: result.reason, result: parsed), format: global.output)
        case .table:
            Console.out("allowed: \(result.allowed)")
            if !global.quiet {
                if !result.reason.isEmpty { Console.out("reason:  \(result.reason)") }
                if !result.resultJson.isEmpty { Console.out("result:  \(result.resultJson)") }
            }
        }
        if exitCode && !result.allowed { throw ExitCode(5) }
    }

    struct Row: Encodable {
        var allowed: Bool
        var reason: String
        var result: JSONValue
    }
}
