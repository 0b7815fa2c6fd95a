import Foundation
import JitsudoAPI
import JitsudoCore
import JitsudoStore

/// The console's pages as HTML, from data already fetched and decisions already made (pure; no I/O).
enum ConsolePages {
    typealias H = ConsoleHTML

    /// Who is looking, and the token their forms carry.
    struct Viewer: Sendable {
        var identity: String
        var csrf: String
    }

    static func signedOut(message: String? = nil) -> String {
        let note = message.map { "<p class=\"error\">\(H.escape($0))</p>" } ?? ""
        return H.page(
            title: "Sign in", identity: nil, csrf: nil,
            body:
                "\(note)<p>jitsudo grants privileged access just in time.</p><p><a class=\"button\" href=\"/ui/login\">Sign in with your identity provider</a></p>"
        )
    }

    /// The requester's home: the request form and their requests (refreshed every 5 s for live state).
    static func home(_ viewer: Viewer, requests: [RequestRecord], providers: [String]) -> String {
        let options = providers.map { "<option value=\"\(H.escape($0))\">\(H.escape($0))</option>" }.joined()
        let form = """
            <form class="card" method="post" action="/ui/requests" id="request-form">\(H.csrfField(viewer.csrf))
            <h2>Request access</h2>
            <label for="provider">Provider</label><select id="provider" name="provider">\(options)</select>
            <label for="role">Role</label><input id="role" name="role" required maxlength="256">
            <label for="scope">Scope</label><input id="scope" name="scope" maxlength="512">
            <label for="duration">Duration</label><input id="duration" name="duration" value="1h" required maxlength="16">
            <label for="reason">Reason</label><textarea id="reason" name="reason" maxlength="2048" required></textarea>
            <label><input type="checkbox" name="break_glass" value="true"> Break-glass (emergency: granted at once, everyone is alerted)</label>
            <label><input type="checkbox" name="break_glass_confirmed" value="true"> I confirm this is an emergency</label>
            <button type="submit">Submit request</button></form>
            """
        return H.page(
            title: "My requests", identity: viewer.identity, csrf: viewer.csrf,
            body: form + "<h2>My requests</h2>" + table(requests, empty: "You have made no requests yet."), refreshSeconds: nil)
    }

    /// A table of requests, each linking to its page.
    static func table(_ requests: [RequestRecord], empty: String) -> String {
        guard !requests.isEmpty else { return "<p>\(H.escape(empty))</p>" }
        let rows = requests.map { record in
            let request = record.request
            let id = H.escape(request.id.rawValue)
            return """
                <tr id="request-\(id)"><td><a href="/ui/requests/\(id)">\(id)</a></td>\
                <td>\(H.badge(request.state.rawValue))</td><td>\(H.escape(request.provider))</td><td>\(H.escape(request.role))</td>\
                <td>\(H.escape(request.resourceScope))</td><td>\(H.escape(request.requesterIdentity))</td>\
                <td>\(H.escape(request.createdAt.canonicalText))</td></tr>
                """
        }
        return "<table><thead><tr><th>Request</th><th>State</th><th>Provider</th><th>Role</th><th>Scope</th><th>Requester</th>"
            + "<th>Created</th></tr></thead><tbody>\(rows.joined(separator: "\n"))</tbody></table>"
    }

    /// What the viewer may do on a request page.
    struct Actions: Sendable {
        var decide = false
        var revoke = false
        var extend = false
        var credentials = false
        var withdraw = false
    }

    /// One audit event on a request's timeline.
    struct TimelineEntry: Sendable {
        var timestamp: String
        var actor: String
        var action: String
        var outcome: String
        var details: String
    }

    static func request(
        _ viewer: Viewer, _ record: RequestRecord, requesterTier: Int, actions: Actions, timeline: [TimelineEntry], notice: String? = nil
    ) -> String {
        let request = record.request
        let id = H.escape(request.id.rawValue)
        var body = notice.map { "<p class=\"error\">\(H.escape($0))</p>" } ?? ""
        if request.breakGlass { body += "<p class=\"banner\">BREAK-GLASS: granted without approval; everyone was alerted.</p>" }
        let decisionComment = request.approverComment ?? ""
        let approvals = record.approvals.map { "\(H.escape($0.approverIdentity))\($0.comment.isEmpty ? "" : ": " + H.escape($0.comment))" }
        body += """
            <dl id="request-details"><dt>State</dt><dd id="state">\(H.badge(request.state.rawValue))</dd>
            <dt>Requester</dt><dd>\(H.escape(request.requesterIdentity)) (trust tier \(requesterTier))</dd>
            <dt>Provider</dt><dd>\(H.escape(request.provider))</dd><dt>Role</dt><dd>\(H.escape(request.role))</dd>
            <dt>Scope</dt><dd>\(H.escape(request.resourceScope))</dd><dt>Duration</dt><dd>\(request.durationSeconds) s</dd>
            <dt>Reason</dt><dd id="reason">\(H.escape(request.reason))</dd>
            <dt>Approval tier</dt><dd>\(H.escape(request.approverTier.rawValue))</dd>
            <dt>Quorum</dt><dd id="quorum">\(record.approvals.count) of \(request.requiredApprovals)</dd>
            <dt>Approvals</dt><dd>\(approvals.isEmpty ? "none yet" : approvals.joined(separator: "<br>"))</dd>
            <dt>Decided by</dt><dd>\(H.escape(request.approverIdentity ?? ""))\(decisionComment.isEmpty ? "" : ": " + H.escape(decisionComment))</dd>
            <dt>Expires</dt><dd>\(H.escape(request.expiresAt?.canonicalText ?? "—"))</dd></dl>
            """
        let csrf = H.csrfField(viewer.csrf)
        if actions.decide {
            body += """
                <form class="card" method="post" action="/ui/requests/\(id)/approve" id="approve-form">\(csrf)
                <label for="approve-comment">Comment</label><input id="approve-comment" name="comment" maxlength="2048">
                <button type="submit" id="approve">Approve</button></form>
                <form class="card" method="post" action="/ui/requests/\(id)/deny" id="deny-form">\(csrf)
                <label for="deny-reason">Reason for denying</label><input id="deny-reason" name="reason" required maxlength="2048">
                <button type="submit" id="deny">Deny</button></form>
                """
        }
        if actions.credentials {
            body += """
                <form class="card" method="post" action="/ui/requests/\(id)/credentials">\(csrf)
                <p>Credentials are shown once, on demand; every showing is audited.</p><button type="submit" id="show-credentials">Show credentials</button></form>
                """
        }
        if actions.extend {
            body += """
                <form class="card" method="post" action="/ui/requests/\(id)/extend">\(csrf)
                <label for="extend-by">Extend by</label><input id="extend-by" name="duration" value="30m" maxlength="16">
                <label for="extend-reason">Reason</label><input id="extend-reason" name="reason" maxlength="2048">
                <button type="submit">Extend</button></form>
                """
        }
        if actions.revoke {
            body += """
                <form class="card" method="post" action="/ui/requests/\(id)/revoke">\(csrf)
                <label for="revoke-reason">Reason</label><input id="revoke-reason" name="reason" maxlength="2048">
                <button type="submit" id="revoke">Revoke now</button></form>
                """
        }
        if actions.withdraw {
            body += """
                <form class="card" method="post" action="/ui/requests/\(id)/deny">\(csrf)
                <input type="hidden" name="reason" value="withdrawn by the requester"><button type="submit" id="withdraw">Withdraw</button></form>
                """
        }
        let rows = timeline.map {
            "<tr><td>\(H.escape($0.timestamp))</td><td>\(H.escape($0.actor))</td><td>\(H.escape($0.action))</td>"
                + "<td>\(H.escape($0.outcome))</td><td><code>\(H.escape($0.details))</code></td></tr>"
        }
        body +=
            "<h2>Timeline</h2><table id=\"timeline\"><thead><tr><th>Time</th><th>Actor</th><th>Action</th><th>Outcome</th><th>Details</th></tr>"
            + "</thead><tbody>\(rows.joined(separator: "\n"))</tbody></table>"
        // The requester waiting for a decision sees it arrive (a page with nothing to type in reloads itself).
        let waiting = request.requesterIdentity == viewer.identity && [RequestState.pending, .approved].contains(request.state) && !actions.decide
        return H.page(
            title: "Request \(request.id.rawValue)", identity: viewer.identity, csrf: viewer.csrf, body: body, refreshSeconds: waiting ? 5 : nil)
    }

    /// One entry of the approver's queue.
    struct QueueEntry: Sendable {
        var request: RequestRecord
        var requesterTier: Int
    }

    static func approvals(_ viewer: Viewer, queue: [QueueEntry]) -> String {
        guard !queue.isEmpty else {
            return H.page(title: "Approvals", identity: viewer.identity, csrf: viewer.csrf, body: "<p>Nothing waits for you.</p>", refreshSeconds: 10)
        }
        let items = queue.map { entry in
            let request = entry.request.request
            let id = H.escape(request.id.rawValue)
            let banner = request.breakGlass ? "<p class=\"banner\">BREAK-GLASS</p>" : ""
            return """
                <section class="card" id="pending-\(id)">\(banner)
                <h2><a href="/ui/requests/\(id)">\(H.escape(request.role)) on \(H.escape(request.provider)) \(H.escape(request.resourceScope))</a></h2>
                <p>\(H.escape(request.requesterIdentity)) (trust tier \(entry.requesterTier)) for \(request.durationSeconds) s ·
                tier \(H.escape(request.approverTier.rawValue)) · \(entry.request.approvals.count) of \(request.requiredApprovals) approvals</p>
                <p class="reason">\(H.escape(request.reason))</p></section>
                """
        }
        return H.page(title: "Approvals", identity: viewer.identity, csrf: viewer.csrf, body: items.joined(separator: "\n"), refreshSeconds: 10)
    }

    /// The audit search: filters (actor, action, request, provider, since, until) and the matching events.
    static func audit(_ viewer: Viewer, filters: [(name: String, label: String, value: String)], events: [TimelineEntry], csvQuery: String) -> String
    {
        let fields = filters.map {
            "<label for=\"audit-\($0.name)\">\(H.escape($0.label))</label><input id=\"audit-\($0.name)\" name=\"\($0.name)\" value=\"\(H.escape($0.value))\">"
        }.joined()
        let rows = events.map {
            "<tr><td>\(H.escape($0.timestamp))</td><td>\(H.escape($0.actor))</td><td>\(H.escape($0.action))</td>"
                + "<td>\(H.escape($0.outcome))</td><td><code>\(H.escape($0.details))</code></td></tr>"
        }
        let body =
            "<form class=\"card\" method=\"get\" action=\"/ui/audit\" id=\"audit-form\">\(fields)<button type=\"submit\">Search</button> "
            + "<a href=\"/ui/audit.csv?\(H.escape(csvQuery))\" id=\"audit-csv\">Export CSV</a></form>"
            + "<table id=\"audit\"><thead><tr><th>Time</th><th>Actor</th><th>Action</th><th>Outcome</th><th>Details</th></tr></thead>"
            + "<tbody>\(rows.joined(separator: "\n"))</tbody></table>"
        return H.page(title: "Audit", identity: viewer.identity, csrf: viewer.csrf, body: body)
    }

    /// RFC 4180 CSV of audit events; a cell a spreadsheet would read as a formula is prefixed with `'`.
    static func auditCSV(_ events: [WireAuditEvent]) -> String {
        func cell(_ text: String) -> String {
            let safe = text.first.map { "=+-@\t\r".contains($0) } == true ? "'" + text : text
            return "\"" + safe.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        let header = ["id", "timestamp", "actor_identity", "action", "request_id", "provider", "resource_scope", "outcome", "details_json", "hash"]
        let lines = events.map {
            [$0.id, $0.timestamp, $0.actorIdentity, $0.action, $0.requestId, $0.provider, $0.resourceScope, $0.outcome, $0.detailsJson, $0.hash]
                .map(cell).joined(separator: ",")
        }
        return ([header.joined(separator: ",")] + lines).joined(separator: "\r\n") + "\r\n"
    }

    static func credentials(_ viewer: Viewer, _ grant: GrantCredentials) -> String {
        let rows = grant.sorted.map { "<dt>\(H.escape($0.name))</dt><dd class=\"secret\">\(H.escape($0.value))</dd>" }
        let id = grant.requestID.rawValue
        return H.page(
            title: "Credentials for \(id)", identity: viewer.identity, csrf: viewer.csrf,
            body: "<p>Shown once; this page is not cached. Valid until \(H.escape(grant.expiresAt.canonicalText)).</p><dl>\(rows.joined())</dl>"
                + "<p><a href=\"/ui/requests/\(H.escape(id))\">Back to the request</a></p>")
    }

    static func error(_ viewer: Viewer?, title: String, message: String) -> String {
        H.page(title: title, identity: viewer?.identity, csrf: viewer?.csrf, body: "<p class=\"error\" id=\"refusal\">\(H.escape(message))</p>")
    }
}
