import JitsudoCore
@testable import JitsudoServer
import Testing

/// The leader's sweep deadline after a schedule change (a NOTIFY): it can only come earlier.
@Suite struct SweepScheduleTests {
    let now = AnyClock.Instant(offset: .seconds(100))

    @Test func aChangeDueLaterThanTheDeadlineLeavesTheDeadline() {
        let deadline = now + .seconds(30)
        #expect(GrantSweeper.deadline(afterChange: deadline, now: now, delayUntilDue: .seconds(3600)) == deadline)
        // A stream of such changes, each a moment later, never moves it.
        var moving = deadline
        for step in 1...1_000 {
            moving = GrantSweeper.deadline(afterChange: moving, now: now + .milliseconds(step), delayUntilDue: .seconds(60))
        }
        #expect(moving == deadline)
    }

    @Test func aChangeDueSoonerBringsTheDeadlineForward() {
        #expect(
            GrantSweeper.deadline(afterChange: now + .seconds(30), now: now, delayUntilDue: .seconds(5)) == now + .seconds(5))
    }

    @Test func aChangeThatIsDueAlreadyMeansAPassAtOnce() {
        #expect(GrantSweeper.deadline(afterChange: now + .seconds(30), now: now, delayUntilDue: GrantSweeper.dueMargin) == now)
        #expect(GrantSweeper.deadline(afterChange: now + .seconds(30), now: now, delayUntilDue: .zero) == now)
    }
}
