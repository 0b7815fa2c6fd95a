import Foundation
import JitsudoAPI
import JitsudoCore
import JitsudoStore
import Logging

/// Slack interactive approvals (`POST /slack/interactions`): checks Slack's signature and freshness, refuses
/// replays, maps the Slack user to an identity, then decides through the same ``RequestService`` commands as the API
/// (approval policy, self-approval, quorum), audited `via: slack`, and updates the message with the outcome.
///
/// Every refusal before the decision changes nothing and is audited as `slack.interaction_refused` with its
/// `reason`; refusals of the decision itself are audited by the workflow (`request.approval_refused`).
struct SlackApprovals: Sendable {
    static let refusedAction = "slack.interaction_refused"

    let verifier: SlackSignatureVerifier
    let ledger: SlackInteractionLedger
    let web: SlackWebAPI
    /// Slack user id → identity, consulted before `users.info`.
    let userMap: [String: String]
    let adminEmails: Set<String>
    let adminGroups: Set<String>
    /// The request service whose audit events are marked `via: slack`.
    let requests: RequestService
    /// The console page of a request, when a public URL is configured.
    let requestLink: @Sendable (String) -> String?
    let logger: Logger
    let now: @Sendable () -> Date

    /// What the endpoint answers Slack (Slack shows nothing of it; the message update and ephemeral replies are
    /// what people see).
    struct Answer: Sendable, Equatable {
        let status: Int
        let text: String
    }

    func handle(body: [UInt8], timestamp: String?, signature: String?) async throws -> Answer {
        let slackTime: Int64
        do {
            slackTime = try verifier.verify(body: body, timestamp: timestamp, signature: signature, now: now())
        } catch {
            try await refuse(error.code, actor: "slack", ["detail": .string(error.description)])
            return Answer(status: 401, text: error.description)
        }
        guard try await ledger.recordFirstSight(signature: signature ?? "", slackTimestamp: slackTime) else {
            try await refuse("replayed", actor: "slack", ["detail": "this signed body was answered before"])
            return Answer(status: 409, text: "this interaction was already answered")
        }
        let interaction: SlackInteraction
        do {
            interaction = try SlackInteraction.parse(formBody: body)
        } catch {
            try await refuse("malformed_payload", actor: "slack", ["detail": .string(error.description)])
            return Answer(status: 400, text: error.description)
        }
        let slackActor = "slack:\(interaction.userID)"
        let mapped: String?
        if let configured = userMap[interaction.userID] {
            mapped = configured
        } else {
            do {
                mapped = try await web.email(of: interaction.userID)
            } catch {
                logger.warning("Slack user lookup failed", metadata: ["slack.user": "\(interaction.userID)", "error": "\(error)"])
                try await refuse(
                    "user_lookup_failed", actor: slackActor,
                    ["slack_user": .string(interaction.userID), "request_id": .string(interaction.requestID)])
                return Answer(status: 503, text: "the Slack user could not be looked up; try again")
            }
        }
        guard let email = mapped else {
            try await refuse(
                "unknown_slack_user", actor: slackActor, ["slack_user": .string(interaction.userID), "request_id": .string(interaction.requestID)])
            await tell(interaction, "jitsudo does not know who you are: your Slack account has no e-mail jitsudo can match. Nothing was changed.")
            return Answer(status: 200, text: "unknown Slack user")
        }
        let id: RequestID
        do {
            id = try RequestID(parsing: interaction.requestID)
        } catch {
            try await refuse(
                "unknown_request", actor: email, ["slack_user": .string(interaction.userID), "request_id": .string(interaction.requestID)])
            return Answer(status: 200, text: "unknown request")
        }
        let groups = try await requests.principals.groups(of: email)
        let caller = Caller(
            email: email, subject: slackActor, groups: groups,
            isAdmin: adminEmails.contains(email) || !adminGroups.isDisjoint(with: groups))
        do {
            let decided: RequestRecord
            switch interaction.choice {
            case .approve: decided = try await requests.approve(id, comment: "approved in Slack", by: caller)
            case .deny: decided = try await requests.deny(id, reason: "denied in Slack by \(email)", by: caller)
            }
            await showOutcome(of: decided, on: interaction, by: email)
            return Answer(status: 200, text: decided.state.rawValue)
        } catch let refusal as WorkflowRefusal {
            await tell(interaction, "jitsudo refused: \(refusal.message)")
            return Answer(status: 200, text: refusal.message)
        } catch let failure as ProviderFailure {
            await tell(interaction, "jitsudo: \(failure.description)")
            return Answer(status: 200, text: failure.description)
        } catch let error as StoreError where error.code == .notFound {
            try await refuse(
                "unknown_request", actor: email, ["slack_user": .string(interaction.userID), "request_id": .string(interaction.requestID)])
            await tell(interaction, "jitsudo has no request \(interaction.requestID). Nothing was changed.")
            return Answer(status: 200, text: "unknown request")
        }
    }

    /// Audits a refusal that happened before any decision.
    private func refuse(_ reason: String, actor: String, _ extra: AuditDetails) async throws {
        var details = extra
        details["via"] = "slack"
        details["reason"] = .string(reason)
        let requestID = details["request_id"].flatMap { value -> String? in
            if case .string(let text) = value, (try? RequestID(parsing: text)) != nil { return text }
            return nil
        }
        try await requests.audit.append(
            AuditDraft(actor: actor, action: Self.refusedAction, requestID: requestID, outcome: .failure, details: details))
        logger.notice("Slack interaction refused", metadata: ["reason": "\(reason)"])
    }

    /// Replaces the buttons of the message with the outcome (best effort: the decision stands either way).
    private func showOutcome(of record: RequestRecord, on interaction: SlackInteraction, by email: String) async {
        guard !interaction.channelID.isEmpty, !interaction.messageTimestamp.isEmpty else { return }
        let request = record.request
        let verb = interaction.choice == .approve ? "Approved" : "Denied"
        var text = "\(verb) by \(email) in Slack: \(request.requesterIdentity)'s request for \(request.role) is now \(request.state.rawValue)."
        if request.state == .pending {
            text = "Approval recorded from \(email) (\(record.approvals.count) of \(request.requiredApprovals)); the request is still PENDING."
        }
        var lines = [SlackText.escape(text), "*Request*: `\(SlackText.escape(request.id.rawValue))`"]
        if let link = requestLink(request.id.rawValue) { lines.append("<\(link)|Open in the jitsudo console>") }
        let blocks: [[String: Any]] = [["type": "section", "text": ["type": "mrkdwn", "text": lines.joined(separator: "\n")]]]
        do {
            try await web.updateMessage(channel: interaction.channelID, ts: interaction.messageTimestamp, text: text, blocks: blocks)
        } catch {
            logger.warning("Slack message update failed", metadata: ["request.id": "\(request.id.rawValue)", "error": "\(error)"])
        }
    }

    /// Tells the person who pressed the button why nothing happened (best effort).
    private func tell(_ interaction: SlackInteraction, _ text: String) async {
        guard !interaction.channelID.isEmpty else { return }
        do {
            try await web.tell(user: interaction.userID, channel: interaction.channelID, text: text)
        } catch {
            logger.warning("Slack ephemeral reply failed", metadata: ["error": "\(error)"])
        }
    }
}

/// Slack's three mrkdwn control characters, escaped.
enum SlackText {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
