import ArgumentParser
import NIOHTTP1
import Foundation
import JitsudoAPI

/// `jitsudo audit`: query the audit log; `audit verify` checks its hash chain.
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Query the audit log (table, json, yaml or csv).",
        discussion: """
            Lists audit events oldest first, following pages until --limit events. --since and --until take \
            an RFC 3339 time or a duration meaning "that long ago" (7d, 24h, 90m). Use 'jitsudo audit verify' \
            to check the hash chain.

            Examples:
              jitsudo audit --user compromised-user@example.com --since 7d
              jitsudo audit --request req_01JQ3Z8H6D5Y4C2B1A0F9E8D7C -o json
              jitsudo audit --since 24h --action request.created -o csv > audit.csv
            """,
        subcommands: [AuditVerify.self]
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Only events by this actor (email).", valueName: "email"))
    var user: String?

    @Option(help: "Only events for this provider.")
    var provider: String?

    @Option(name: .customLong("request"), help: ArgumentHelp("Only events of this request.", valueName: "request-id"))
    var requestID: String?

    @Option(help: "Only events with this action (for example request.created, grant.revoked).")
    var action: String?

    @Option(help: ArgumentHelp("Events at or after: RFC 3339 or a duration ago (7d, 24h).", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Events at or before: RFC 3339 or a duration ago.", valueName: "time"))
    var until: String?

    @Option(help: "Maximum number of events to print.")
    var limit = 100

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
        for (flag, value) in [("--since", since), ("--until", until)] {
            if let value {
                do { _ = try Timestamps.parseSince(value, flag: flag) } catch let error as CLIError { throw ValidationError(error.message) }
            }
        }
    }

    func run() async throws {
        let now = Date()
        var query: [(String, String)] = []
        if let user { query.append(("actorIdentity", user)) }
        if let provider { query.append(("provider", provider)) }
        if let requestID { query.append(("requestId", requestID)) }
        if let action { query.append(("action", action)) }
        if let since { query.append(("since", Timestamps.utc(try Timestamps.parseSince(since, flag: "--since", now: now)))) }
        if let until { query.append(("until", Timestamps.utc(try Timestamps.parseSince(until, flag: "--until", now: now)))) }
        let events: [WireAuditEvent] = try await global.withClient { client in
            var events: [WireAuditEvent] = []
            var token = ""
            repeat {
                let pageQuery = query + [("pageSize", String(min(limit - events.count, 1000)))] + (token.isEmpty ? [] : [("pageToken", token)])
                let page = try await client.call(.GET, "/api/v1alpha1/audit", query: pageQuery, as: AuditList.self)
                events += page.events
                token = page.nextPageToken
            } while !token.isEmpty && events.count < limit
            return Array(events.prefix(limit))
        }
        switch global.output {
        case .json, .yaml: try Renderer.emit(events.map(AuditRow.init), format: global.output)
        case .csv:
            var text = Renderer.csvRecord(["timestamp", "actor", "action", "request_id", "provider", "outcome"])
            for event in events {
                text += Renderer.csvRecord([event.timestamp, event.actorIdentity, event.action, event.requestId, event.provider, event.outcome])
            }
            FileHandle.standardOutput.write(Data(text.utf8))
        case .table:
            guard !events.isEmpty else {
                Console.out("No audit events found.")
                return
            }
            let rows = events.map { [$0.timestamp, $0.actorIdentity, $0.action, $0.requestId, $0.outcome] }
            Console.out(Renderer.table(["TIMESTAMP", "ACTOR", "ACTION", "REQUEST ID", "OUTCOME"], rows))
        }
    }
}
