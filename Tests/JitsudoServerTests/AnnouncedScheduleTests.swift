import JitsudoCore
@testable import JitsudoServer
import JitsudoStore
import Testing

/// What the leader's sweeper learns from `NOTIFY jitsudo_grants` payloads, and when it must ask the database instead.
@Suite struct AnnouncedScheduleTests {
    let moment = AuditTimestamp(microsecondsSinceEpoch: 1_893_456_000_123_456)

    @Test func payloadsThatSayTheirDueMomentAreRead() {
        #expect(ScheduleNotification(payload: "expires 1893456000123456") == .expires(moment))
        #expect(ScheduleNotification(payload: "pending 1893456000123456") == .pendingSince(moment))
        #expect(ScheduleNotification(payload: "expires 0") == .expires(AuditTimestamp(microsecondsSinceEpoch: 0)))
    }

    /// A reconnect, an ended grant, migration 4's bare id, and anything not exactly `<kind> <digits>` look again.
    @Test func everyOtherPayloadLooksAtTheScheduleAgain() {
        let others: [String?] = [
            nil, "", "ended req_01JQ0000000000000000000000", "req_01JQ0000000000000000000000", "expires", "expires ",
            "expires -5", "expires +5", "expires 1.5", "expires 12 ", " expires 12", "expires  12", "EXPIRES 12", "pending x",
            "revoked 12", "expires 9223372036854775808", "expires 99999999999999999999", "expires １２",
        ]
        for payload in others {
            #expect(ScheduleNotification(payload: payload) == .lookAgain, "\(payload ?? "nil")")
        }
        #expect(ScheduleNotification(payload: "expires 9223372036854775807") == .expires(AuditTimestamp(microsecondsSinceEpoch: .max)))
    }

    @Test func theEarliestAnnouncedDueMomentIsKept() {
        var announced = AnnouncedSchedule()
        #expect(announced.earliestDue == nil && !announced.lookAgain)
        announced.note(.expires(moment), pendingTTLSeconds: 60)
        announced.note(.expires(AuditTimestamp(microsecondsSinceEpoch: moment.microseconds + 1)), pendingTTLSeconds: 60)
        #expect(announced.earliestDue == moment)
        // Pending since 90 s before: due 30 s before `moment` with a 60 s TTL.
        announced.note(.pendingSince(AuditTimestamp(microsecondsSinceEpoch: moment.microseconds - 90_000_000)), pendingTTLSeconds: 60)
        #expect(announced.earliestDue == AuditTimestamp(microsecondsSinceEpoch: moment.microseconds - 30_000_000))
        #expect(!announced.lookAgain)
    }

    @Test func lookingAgainStaysAskedForUntilTaken() {
        var announced = AnnouncedSchedule()
        announced.note(.lookAgain, pendingTTLSeconds: 60)
        announced.note(.expires(moment), pendingTTLSeconds: 60)
        #expect(announced.lookAgain && announced.earliestDue == moment)
    }

    @Test func aPendingTTLOutOfRangeAsksTheDatabase() {
        var announced = AnnouncedSchedule()
        announced.note(.pendingSince(moment), pendingTTLSeconds: .max)
        #expect(announced.lookAgain && announced.earliestDue == nil)
        var late = AnnouncedSchedule()
        late.note(.pendingSince(AuditTimestamp(microsecondsSinceEpoch: .max - 10)), pendingTTLSeconds: 1)
        #expect(late.lookAgain && late.earliestDue == nil)
    }
}
