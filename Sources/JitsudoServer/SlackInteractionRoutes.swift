import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /slack/interactions`: Slack's request URL for interactivity. Authenticated by Slack's signature, not by
/// a bearer token; served only when `notifications.slack.signing_secret` is set.
enum SlackInteractionRoutes {
    static let timestampHeader = HTTPField.Name("X-Slack-Request-Timestamp")
    static let signatureHeader = HTTPField.Name("X-Slack-Signature")

    static func add(to router: Router<APIContext>, _ slack: SlackApprovals) {
        router.post("slack/interactions") { request, context in
            let body = try await HTTPJSON.body(request, context: context)
            let answer = try await slack.handle(
                body: Array(body.readableBytesView),
                timestamp: timestampHeader.flatMap { request.headers[$0] },
                signature: signatureHeader.flatMap { request.headers[$0] })
            return HTTPJSON.text(answer.text, status: HTTPResponse.Status(code: answer.status))
        }
    }
}
