import Foundation
import JitsudoNotify

/// 2026-11-29T05:00:00.250Z
let fixedDate = Date(timeIntervalSince1970: 1_795_928_400.25)

func breakGlass(requestID: String = "req_01JBREAKGLASS0000000000000") -> JitsudoNotify.Notification {
    JitsudoNotify.Notification(
        event: JitsudoNotify.Notification.Event.breakGlassInvoked,
        priority: .high,
        title: "Break-glass access granted",
        text: "alice@example.com used break-glass for prod-admin.",
        requestID: requestID,
        fields: [
            "requester": "alice@example.com", "role": "prod-admin", "scope": "aws:123456789012", "duration": "1h",
            "reason": "INC-42 database down", "session_token": "must-not-appear",
        ],
        occurredAt: fixedDate
    )
}

func created(_ index: Int = 0) -> JitsudoNotify.Notification {
    JitsudoNotify.Notification(
        event: JitsudoNotify.Notification.Event.requestCreated,
        title: "Request \(index) created",
        text: "bob@example.com asks for read-only.",
        requestID: "req_\(index)",
        fields: ["requester": "bob@example.com", "role": "read-only"],
        occurredAt: fixedDate
    )
}

/// Waits for `condition` up to `seconds`, polling; for real network events only.
func eventually(_ seconds: Double = 10, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
