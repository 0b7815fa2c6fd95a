import ArgumentParser
import NIOHTTP1
import Foundation
import JitsudoAPI

/// `jitsudo policy apply`: create or replace a policy by name.
struct PolicyApply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Create or replace a policy from a Rego file (admin).",
        discussion: """
            The policy is named after the file (without .rego) unless --name is given, and is enabled unless \
            --disable. A module that does not compile is refused with the compiler's message and nothing changes.

            Examples:
              jitsudo policy apply -f correct-eligibility.rego --type eligibility
              cat approval.rego | jitsudo policy apply -f - --name team-approval --type approval
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: [.short, .long], help: ArgumentHelp("Rego file to apply; - reads standard input.", valueName: "path"))
    var file: String

    @Option(help: "Policy name (default: the file name without .rego).")
    var name: String?

    @Option(help: "Policy type: eligibility or approval.")
    var type: PolicyTypeArgument = .eligibility

    @Option(help: "Description shown in 'policy get'.")
    var description = ""

    @Flag(help: "Store the policy disabled.")
    var disable = false

    var resolvedName: String {
        if let name { return name }
        let base = (file as NSString).lastPathComponent
        return base.hasSuffix(".rego") ? String(base.dropLast(5)) : base
    }

    func validate() throws {
        try global.requireNoCSV()
        if file == "-" && name == nil { throw ValidationError("--name is required when the policy is read from standard input") }
        if file != "-" && !FileManager.default.isReadableFile(atPath: file) { throw ValidationError("cannot read policy file '\(file)'") }
        let policyName = resolvedName
        if policyName.isEmpty || policyName.count > 128
            || !policyName.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") })
        {
            throw ValidationError("policy name '\(policyName)' must be 1–128 characters of A-Z a-z 0-9 . _ -; pass --name")
        }
    }

    func run() async throws {
        let rego: String
        if file == "-" {
            rego = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            rego = try String(contentsOfFile: file, encoding: .utf8)
        }
        let body = PolicyApplyBody(name: resolvedName, type: type.apiName, rego: rego, description: description, enabled: !disable)
        let policy = try await global.withClient { client in
            try await client.call(.POST, "/api/v1alpha1/policies", body: body, as: PolicyEnvelope.self).policy
        }
        switch global.output {
        case .json, .yaml, .csv: try Renderer.emit(PolicyRow(policy, includeRego: false), format: global.output)
        case .table: Console.out(global.quiet ? policy.id : "Policy \(policy.name) (\(policy.shortType)) applied — id: \(policy.id)")
        }
    }
}
