import Foundation
import Testing

@testable import JitsudoNotify

/// HMAC-SHA256 of `1700000000.hello` with key `secret-secret-secret`, from `openssl dgst -sha256 -hmac`.
let knownHMAC = "4b0e884d92880de6aa1d8026d4afbcc302ad87616cc79efca1906a14b7c5ab2a"

@Suite struct FormatTests {
    @Test func payloadRoundTripsAndDropsSecretFields() throws {
        let notification = breakGlass()
        #expect(notification.fields["session_token"] == nil)
        let json = try notification.jsonPayload()
        #expect(!json.contains("must-not-appear"))
        #expect(json.contains("\"occurred_at\":\"2026-11-29T05:00:00.250Z\""))
        #expect(try JitsudoNotify.Notification(jsonPayload: json) == notification)
        var edited = notification
        edited.setField("api_key", "x")
        edited.setField("Password", "y")
        #expect(edited.fields == notification.fields)
    }

    @Test func slackBreakGlassIsAnAlertNamingWhoWhatWhereWhy() throws {
        let body = SlackNotifier.payload(for: breakGlass())
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let text = try #require(object["text"] as? String)
        #expect(text.hasPrefix(":rotating_light: BREAK-GLASS by alice@example.com"))
        let blocks = try #require(object["blocks"] as? [[String: Any]])
        #expect(blocks.first?["type"] as? String == "header")
        let header = (blocks.first?["text"] as? [String: Any])?["text"] as? String
        #expect(header == ":rotating_light: BREAK-GLASS by alice@example.com")
        let all = String(decoding: body, as: UTF8.self)
        for expected in ["prod-admin", "aws:123456789012", "1h", "INC-42 database down", "req_01JBREAKGLASS0000000000000"] {
            #expect(all.contains(expected), "missing \(expected)")
        }
        #expect(!all.contains("must-not-appear"))
    }

    @Test func slackEscapesMarkupCharacters() throws {
        var notification = created()
        notification.text = "<!channel> & co"
        let all = String(decoding: SlackNotifier.payload(for: notification), as: UTF8.self)
        #expect(all.contains("&lt;!channel&gt; &amp; co"))
        #expect(!all.contains("<!channel>"))
    }

    @Test func webhookSignatureCoversTimestampAndBody() {
        let body = Array("{\"a\":1}".utf8)
        let signature = WebhookNotifier.signature(body: body, timestamp: "1700000000", secret: "0123456789abcdef")
        #expect(signature.hasPrefix("sha256="))
        #expect(signature.count == 7 + 64)
        #expect(WebhookNotifier.verify(signature: signature, body: body, timestamp: "1700000000", secret: "0123456789abcdef"))
        #expect(!WebhookNotifier.verify(signature: signature, body: body, timestamp: "1700000001", secret: "0123456789abcdef"))
        #expect(!WebhookNotifier.verify(signature: signature, body: body + [32], timestamp: "1700000000", secret: "0123456789abcdef"))
        #expect(!WebhookNotifier.verify(signature: signature, body: body, timestamp: "1700000000", secret: "0123456789abcdeX"))
    }

    @Test func webhookSignatureMatchesAKnownVector() {
        // printf '%s' '1700000000.hello' | openssl dgst -sha256 -hmac 'secret-secret-secret'
        let signature = WebhookNotifier.signature(body: Array("hello".utf8), timestamp: "1700000000", secret: "secret-secret-secret")
        #expect(signature == "sha256=" + knownHMAC)
    }

    @Test func emailDataIsDotStuffedWithCRLFAndTerminated() {
        let data = String(decoding: EmailMessage.dataSection("Subject: x\n\n.hidden\nline\r\n..two\rlast"), as: UTF8.self)
        #expect(data == "Subject: x\r\n\r\n..hidden\r\nline\r\n...two\r\nlast\r\n.\r\n")
    }

    @Test func emailHeadersCarryPriorityAndNoInjection() {
        var notification = breakGlass()
        notification.title = "evil\r\nBcc: victim@example.com"
        let message = EmailMessage.make(
            for: notification, from: "jitsudo@example.com", to: ["a@example.com", "b@example.com"], messageID: "<id@example.com>")
        let text = message.rendered()
        #expect(text.contains("\r\nSubject: [jitsudo] BREAK-GLASS: evil  Bcc: victim@example.com\r\n"))
        #expect(!text.contains("\r\nBcc:"))
        #expect(text.contains("\r\nX-Priority: 1\r\n"))
        #expect(text.contains("\r\nTo: a@example.com, b@example.com\r\n"))
        #expect(text.hasPrefix("Date: Sun, 29 Nov 2026 05:00:00 +0000\r\n"))
        #expect(!text.contains("must-not-appear"))
        #expect(
            !EmailMessage.make(for: created(), from: "j@example.com", to: ["a@example.com"], messageID: "<i@x>").rendered().contains("X-Priority"))
    }

    @Test func nonASCIIMailIsEncoded() {
        var notification = created()
        notification.title = "Zugriff für Jörg"
        notification.text = "Grüße"
        let text = EmailMessage.make(for: notification, from: "j@example.com", to: ["a@example.com"], messageID: "<i@x>").rendered()
        #expect(text.contains("Subject: =?UTF-8?B?"))
        #expect(text.contains("Content-Transfer-Encoding: base64"))
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test func syslogMessageFollowsRFC5424() {
        let message = SyslogMessage(breakGlass(), facility: .authpriv, hostname: "host-1", procID: "42")
        // authpriv (10) * 8 + alert (1) = 81
        #expect(
            message.text.hasPrefix(
                "<81>1 2026-11-29T05:00:00.250000Z host-1 jitsudo 42 break_glass.invoked "
                    + "[jitsudo@32473 event=\"break_glass.invoked\" priority=\"high\" request_id=\"req_01JBREAKGLASS0000000000000\"] \u{FEFF}BREAK-GLASS: "
            ))
        let normal = SyslogMessage(created(), facility: .local3, hostname: "", procID: "1")
        #expect(normal.text.hasPrefix("<157>1 2026-11-29T05:00:00.250000Z - jitsudo 1 request.created ["))
        #expect(!message.text.contains("must-not-appear"))
        #expect(SyslogMessage.escapeParameter("a\"b]c\\") == "a\\\"b\\]c\\\\")
        #expect(SyslogNotifier.octetCounted(Array("abc".utf8)) == Array("3 abc".utf8))
    }

    @Test func jsonLineHasStableSortedKeys() {
        let line = JSONLinesNotifier.line(for: created(7))
        #expect(
            line == "{\"event\":\"request.created\",\"fields\":{\"requester\":\"bob@example.com\",\"role\":\"read-only\"},"
                + "\"occurred_at\":\"2026-11-29T05:00:00.250Z\",\"priority\":\"normal\",\"request_id\":\"req_7\",\"source\":\"jitsudo\","
                + "\"text\":\"bob@example.com asks for read-only.\",\"title\":\"Request 7 created\"}")
    }

    @Test func retryDelaysGrowExponentiallyWithBoundedJitter() {
        let policy = RetryPolicy(baseDelay: .seconds(2), maximumDelay: .seconds(60), maximumAttempts: 5, jitter: 0.5)
        #expect(policy.delay(afterAttempt: 1, random: 0) == .seconds(1))
        #expect(policy.delay(afterAttempt: 1, random: 1) == .seconds(2))
        #expect(policy.delay(afterAttempt: 3, random: 1) == .seconds(8))
        #expect(policy.delay(afterAttempt: 3, random: 0.5) == .seconds(6))
        #expect(policy.delay(afterAttempt: 10, random: 1) == .seconds(60))
        #expect(!policy.givesUp(afterAttempt: 4))
        #expect(policy.givesUp(afterAttempt: 5))
    }

    @Test func badSettingsAreNamed() {
        func setting(_ body: () throws -> Void) -> String? {
            do {
                try body()
                return nil
            } catch let error as NotifyError { return error.context["setting"] } catch { return "\(error)" }
        }
        #expect(setting { _ = try SlackNotifier(configuration: .init(webhookURL: "not a url")) } == "notifications.slack.webhook_url")
        #expect(setting { _ = try WebhookNotifier(configuration: .init(url: "https://h/x", secret: "short")) } == "notifications.webhook.secret")
        #expect(setting { _ = try SMTPNotifier(configuration: .init(host: "h", from: "nobody", to: ["a@b"])) } == "notifications.smtp.from")
        #expect(setting { _ = try SMTPNotifier(configuration: .init(host: "h", from: "a@b", to: [])) } == "notifications.smtp.to")
        #expect(
            setting {
                _ = try SMTPNotifier(configuration: .init(host: "h", security: .none, username: "u", password: "p", from: "a@b", to: ["c@d"]))
            } == "notifications.smtp.security")
        #expect(setting { _ = try SyslogNotifier(configuration: .init(host: "h", port: 0)) } == "notifications.syslog.address")
        #expect(setting { _ = try JSONLinesNotifier(configuration: .init(destination: .file("relative.log"))) } == "notifications.siem.file")
        #expect(setting { try RetryPolicy(maximumAttempts: 0).validate() } == "notifications.retry.max_attempts")
        #expect(
            setting { _ = try SlackNotifier(configuration: .init(webhookURL: "https://hooks.example/x", channel: "Bad Name")) }
                == "notifications.slack.channel")
    }
}
