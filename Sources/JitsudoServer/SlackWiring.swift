import AsyncHTTPClient
import Foundation
import JitsudoStore
import Logging

/// Builds Slack interactive approvals from the configuration.
enum SlackWiring {
    /// The handler of `POST /slack/interactions`; nil unless `notifications.slack.signing_secret` is set (the
    /// configuration guarantees the bot token then).
    static func approvals(
        _ slack: ServerConfiguration.Notifications.Slack, admin: ServerConfiguration.Admin, publicURL: String, requests: RequestService,
        logger: Logger
    ) -> SlackApprovals? {
        guard !slack.signingSecret.isEmpty else { return nil }
        return SlackApprovals(
            verifier: SlackSignatureVerifier(signingSecret: slack.signingSecret),
            ledger: SlackInteractionLedger(database: requests.requests.database),
            web: SlackWebAPI(apiURL: slack.apiURL, botToken: slack.botToken, client: .shared),
            userMap: slack.userMap, adminEmails: Set(admin.emails), adminGroups: Set(admin.groups),
            requests: requests.via("slack"), requestLink: { id in requestLink(publicURL, id) }, logger: logger, now: { Date() })
    }

    /// The console page of request `id` under `publicURL`; nil when no public URL is configured.
    static func requestLink(_ publicURL: String, _ id: String) -> String? {
        guard !publicURL.isEmpty else { return nil }
        return (publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL) + "/ui/requests/" + id
    }
}
