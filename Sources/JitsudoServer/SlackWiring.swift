import AsyncHTTPClient
import Foundation
import JitsudoStore
import Logging

/// Builds Slack interactive approvals from the configuration.
enum SlackWiring {
    /// The handler of `POST /slack/interactions`; nil unless `notifications.slack.signing_secret` is set (the
    /// configuration guarantees the bot token then).
    static func approvals(_ configuration: ServerConfiguration, requests: RequestService, logger: Logger) -> SlackApprovals? {
        guard !configuration.slackSigningSecret.isEmpty else { return nil }
        let publicURL = configuration.publicURL
        return SlackApprovals(
            verifier: SlackSignatureVerifier(signingSecret: configuration.slackSigningSecret),
            ledger: SlackInteractionLedger(database: requests.requests.database),
            web: SlackWebAPI(apiURL: configuration.slackAPIURL, botToken: configuration.slackBotToken, client: .shared),
            userMap: configuration.slackUserMap, adminEmails: Set(configuration.adminEmails), adminGroups: Set(configuration.adminGroups),
            requests: requests.via("slack"), requestLink: { id in requestLink(publicURL, id) }, logger: logger, now: { Date() })
    }

    /// The console page of request `id` under `publicURL`; nil when no public URL is configured.
    static func requestLink(_ publicURL: String, _ id: String) -> String? {
        guard !publicURL.isEmpty else { return nil }
        return (publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL) + "/ui/requests/" + id
    }
}
