import ArgumentParser
import NIOHTTP1
import Foundation
import JitsudoAPI

/// `jitsudo status`: one request, or a filtered list.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show one request, or list requests with filters.",
        discussion: """
            With a request id, prints that request in detail. Without one, lists requests newest first; the \
            filters are applied by the server and combine with AND. All pages are fetched.

            Examples:
              jitsudo status req_01JQ3Z8H6D5Y4C2B1A0F9E8D7C
              jitsudo status --pending
              jitsudo status --user u@example.com --state active -o json | jq -r '.[].id'
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A request id (req_...). Omit to list requests.")
    var requestID: String?

    @Flag(help: "Only requests you made.")
    var mine = false

    @Flag(help: "Only requests waiting for approval.")
    var pending = false

    @Option(help: ArgumentHelp("Only requests made by this email.", valueName: "email"))
    var user: String?

    @Option(help: "Only requests in this state: pending, approved, rejected, active, expired, revoked.")
    var state: String?

    @Option(help: "Only requests for this provider.")
    var provider: String?

    static let states = ["PENDING", "APPROVED", "REJECTED", "ACTIVE", "EXPIRED", "REVOKED"]

    /// `active`, `ACTIVE` or `REQUEST_STATE_ACTIVE` → `REQUEST_STATE_ACTIVE`; nil for anything else.
    static func normalizedState(_ text: String) -> String? {
        var upper = text.uppercased()
        if upper.hasPrefix("REQUEST_STATE_") { upper = String(upper.dropFirst(14)) }
        return states.contains(upper) ? "REQUEST_STATE_" + upper : nil
    }

    func validate() throws {
        try global.requireNoCSV()
        if let state, Self.normalizedState(state) == nil {
            throw ValidationError("--state '\(state)' is not a request state; use pending, approved, rejected, active, expired or revoked")
        }
        if requestID != nil, mine || pending || user != nil || state != nil || provider != nil {
            throw ValidationError(
                "filters (--mine, --pending, --user, --state, --provider) apply only when listing; drop the request id or the filters")
        }
    }

    func run() async throws {
        let color = Console.useColor(noColorFlag: global.noColor)
        try await global.withClient { client in
            if let requestID {
                let request = try await client.call(.GET, "/api/v1alpha1/requests/\(APIClient.segment(requestID))", as: RequestEnvelope.self).request
                try RequestPrinter.emit(
                    request, global: global, tableLine: global.quiet ? request.shortState : RequestPrinter.detail(request, color: color))
                return
            }
            var query: [(String, String)] = [("pageSize", "1000")]
            if mine { query.append(("mine", "true")) }
            if pending { query.append(("pending", "true")) }
            if let user { query.append(("requesterIdentity", user)) }
            if let state, let full = Self.normalizedState(state) { query.append(("state", full)) }
            if let provider { query.append(("provider", provider)) }
            var requests: [WireRequest] = []
            var token = ""
            repeat {
                let page = try await client.call(
                    .GET, "/api/v1alpha1/requests", query: query + (token.isEmpty ? [] : [("pageToken", token)]), as: RequestList.self
                )
                requests += page.requests
                token = page.nextPageToken
            } while !token.isEmpty
            switch global.output {
            case .json, .yaml, .csv: try Renderer.emit(requests.map(RequestRow.init), format: global.output)
            case .table:
                if global.quiet {
                    for request in requests { Console.out(request.id) }
                } else {
                    Console.out(RequestPrinter.list(requests, color: color))
                }
            }
        }
    }
}
