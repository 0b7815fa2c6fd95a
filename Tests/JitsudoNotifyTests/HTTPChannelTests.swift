import Foundation
import JitsudoNotify
import Logging
import MetricsTestKit
import Testing

@Suite struct HTTPChannelTests {
    @Test func slackReceivesTheBreakGlassAlert() async throws {
        let receiver = try await HTTPReceiver()
        defer { Task { await receiver.stop() } }
        let slack = try SlackNotifier(configuration: .init(webhookURL: receiver.url))
        try await slack.send(breakGlass())
        let request = try #require(receiver.requests.first)
        #expect(receiver.requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.uri == "/hook")
        #expect(request.header("Content-Type") == "application/json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        let blocks = try #require(object["blocks"] as? [[String: Any]])
        let header = try #require((blocks.first?["text"] as? [String: Any])?["text"] as? String)
        #expect(header == ":rotating_light: BREAK-GLASS by alice@example.com")
        let details = try #require((blocks[2]["text"] as? [String: Any])?["text"] as? String)
        #expect(details.contains("*Role*: prod-admin"))
        #expect(details.contains("*Scope*: aws:123456789012"))
        #expect(details.contains("*Duration*: 1h"))
        #expect(details.contains("*Reason*: INC-42 database down"))
        #expect(details.contains("req_01JBREAKGLASS0000000000000"))
        #expect(!request.text.contains("must-not-appear"))
    }

    @Test func slackErrorsNameTheStatusButNotTheURL() async throws {
        let receiver = try await HTTPReceiver(statuses: [403])
        defer { Task { await receiver.stop() } }
        let slack = try SlackNotifier(configuration: .init(webhookURL: receiver.url + "/T000/B000/SECRETPART"))
        let error = try await #require(throws: NotifyError.self) { try await slack.send(created()) }
        #expect(error.code == .rejected)
        #expect(error.context["status"] == "403")
        #expect(!error.message.contains("SECRETPART"))
    }

    @Test func webhookSignatureVerifiesWithTheSecretOnly() async throws {
        let receiver = try await HTTPReceiver()
        defer { Task { await receiver.stop() } }
        let secret = "a-webhook-secret-of-32-characters"
        let webhook = try WebhookNotifier(configuration: .init(url: receiver.url, secret: secret), now: { fixedDate })
        try await webhook.send(breakGlass())
        let request = try #require(receiver.requests.first)
        #expect(request.header("X-Jitsudo-Event") == "break_glass.invoked")
        let timestamp = try #require(request.header("X-Jitsudo-Timestamp"))
        #expect(timestamp == "1795928400")
        let signature = try #require(request.header("X-Jitsudo-Signature"))
        #expect(WebhookNotifier.verify(signature: signature, body: request.body, timestamp: timestamp, secret: secret))
        #expect(!WebhookNotifier.verify(signature: signature, body: request.body, timestamp: timestamp, secret: secret + "x"))
        #expect(!WebhookNotifier.verify(signature: signature, body: request.body, timestamp: "1795928401", secret: secret))
        #expect(!request.text.contains(secret))
        // The body is the notification itself.
        #expect(try JitsudoNotify.Notification(jsonPayload: request.text) == breakGlass())
    }

    @Test func aReceiverAnswering500ThenOKIsRetriedWithBackoffAndGetsItOnce() async throws {
        let receiver = try await HTTPReceiver(statuses: [500])
        defer { Task { await receiver.stop() } }
        let queue = InMemoryQueue()
        try queue.add(created(), channel: "webhook")
        let metrics = TestMetrics()
        let dispatcher = try NotificationDispatcher(
            configuration: .init(retry: RetryPolicy(baseDelay: .seconds(30), maximumAttempts: 5)),
            queue: queue,
            notifiers: [try WebhookNotifier(configuration: .init(url: receiver.url, secret: "0123456789abcdef0123456789abcdef"))],
            logger: Logger(label: "jitsudo.tests.notify"), metricsFactory: metrics, random: { 0 }
        )
        #expect(try await dispatcher.drainOnce(now: fixedDate) == .init(claimed: 1, retried: 1))
        let row = queue.snapshot[0]
        #expect(row.lastError.contains("HTTP 500"))
        // random 0 with jitter 0.5: half of the 30 s base delay.
        #expect(row.nextAttemptAt == fixedDate.addingTimeInterval(15))
        #expect(try await dispatcher.drainOnce(now: fixedDate.addingTimeInterval(14)) == .init())
        #expect(try await dispatcher.drainOnce(now: fixedDate.addingTimeInterval(15)) == .init(claimed: 1, sent: 1))
        #expect(try await dispatcher.drainOnce(now: fixedDate.addingTimeInterval(10_000)) == .init())
        #expect(receiver.requests.count == 2)
        #expect(queue.snapshot[0].sentAt == fixedDate.addingTimeInterval(15))
        #expect(try metrics.expectCounter("jitsudo_notifications_sent_total", [("channel", "webhook")]).totalValue == 1)
        #expect(try metrics.expectCounter("jitsudo_notifications_failed_total", [("channel", "webhook")]).totalValue == 1)
    }
}
