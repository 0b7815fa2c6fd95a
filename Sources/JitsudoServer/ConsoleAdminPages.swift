import JitsudoAPI
import JitsudoStore

/// The console's admin page: policies (view, enable/disable, evaluate an input), trust tiers, replicas and leader.
/// Pure rendering, like ``ConsolePages``.
enum ConsoleAdminPages {
    typealias H = ConsoleHTML

    /// What the last evaluation answered, shown above the form.
    struct Evaluation: Sendable {
        var type: String
        var input: String
        var allowed: Bool
        var reason: String
        var resultJSON: String
    }

    static func admin(
        _ viewer: ConsolePages.Viewer, policies: [WirePolicy], replicas: [ReplicaRegistry.Replica], evaluation: Evaluation? = nil,
        notice: String? = nil
    ) -> String {
        let csrf = H.csrfField(viewer.csrf)
        var body = notice.map { "<p class=\"error\" id=\"notice\">\(H.escape($0))</p>" } ?? ""
        let policyRows = policies.map { policy in
            let toggle = policy.enabled ? "false" : "true"
            return """
                <tr id="policy-\(H.escape(policy.name))"><td><details><summary>\(H.escape(policy.name))</summary><pre><code>\(H.escape(policy.rego))</code></pre></details></td>\
                <td>\(H.escape(policy.type))</td><td>\(policy.enabled ? "enabled" : "disabled")</td><td>\(H.escape(policy.updatedBy))</td>\
                <td><form method="post" action="/ui/admin/policies/\(H.escape(policy.id))/enabled" class="inline">\(csrf)\
                <input type="hidden" name="enabled" value="\(toggle)"><button type="submit">\(policy.enabled ? "Disable" : "Enable")</button></form></td></tr>
                """
        }
        body +=
            "<h2>Policies</h2><table id=\"policies\"><thead><tr><th>Name</th><th>Type</th><th>State</th><th>Updated by</th><th></th></tr></thead>"
            + "<tbody>\(policyRows.joined(separator: "\n"))</tbody></table>"
        if let evaluation {
            body += """
                <section class="card" id="evaluation"><h3>\(evaluation.allowed ? "Allowed" : "Not allowed")</h3>\
                <p>\(H.escape(evaluation.reason))</p><pre><code>\(H.escape(evaluation.resultJSON))</code></pre></section>
                """
        }
        let input =
            evaluation?.input
            ?? #"{"action":"request","user":{"email":"alice@example.com","groups":["sre"]},"request":{"provider":"mock","role":"admin"}}"#
        body += """
            <form class="card" method="post" action="/ui/admin/eval">\(csrf)<h2>Evaluate the loaded policies</h2>
            <label for="eval-type">Type</label><select id="eval-type" name="type"><option value="eligibility">eligibility</option>\
            <option value="approval"\(evaluation?.type == "approval" ? " selected" : "")>approval</option></select>
            <label for="eval-input">Input (JSON)</label><textarea id="eval-input" name="input" rows="6">\(H.escape(input))</textarea>
            <button type="submit">Evaluate</button></form>
            <form class="card" method="post" action="/ui/admin/trust-tier">\(csrf)<h2>Trust tier of a principal</h2>
            <label for="tier-identity">Identity</label><input id="tier-identity" name="identity" required maxlength="254">
            <label for="tier">Trust tier (0–4)</label><input id="tier" name="tier" type="number" min="0" max="4" value="0">
            <label for="tier-notes">Notes</label><input id="tier-notes" name="notes" maxlength="1024">
            <button type="submit">Set trust tier</button></form>
            """
        let replicaRows = replicas.map {
            "<tr><td>\(H.escape($0.id))</td><td>\(H.escape($0.address))</td><td>\(H.escape($0.role))</td><td>\($0.epoch)</td>"
                + "<td>\($0.heartbeatAgeMilliseconds) ms</td></tr>"
        }
        body +=
            "<h2>Replicas</h2><table id=\"replicas\"><thead><tr><th>Replica</th><th>Address</th><th>Role</th><th>Epoch</th><th>Last heartbeat</th></tr>"
            + "</thead><tbody>\(replicaRows.joined(separator: "\n"))</tbody></table>"
        return H.page(title: "Administration", identity: viewer.identity, csrf: viewer.csrf, body: body)
    }
}
