import Testing

@testable import JitsudoServer

/// The audit sequencer's pace between looks: the short gathering pause after a look that linked something, backing off
/// (doubling) to the idle pause while none are staged.
@Suite struct AuditSequencingPauseTests {
    let idle = Duration.milliseconds(100)

    @Test func aLookThatLinkedSomethingIsFollowedByTheGatheringPause() {
        #expect(AuditSequencing.pause(after: idle, linked: 1, idle: idle) == AuditSequencing.gatherPause)
        #expect(AuditSequencing.pause(after: .milliseconds(40), linked: 999, idle: idle) == AuditSequencing.gatherPause)
    }

    @Test func emptyLooksDoubleThePauseUpToTheIdlePause() {
        var pause = AuditSequencing.gatherPause
        var pauses: [Duration] = []
        for _ in 0..<6 {
            pause = AuditSequencing.pause(after: pause, linked: 0, idle: idle)
            pauses.append(pause)
        }
        #expect(pauses.map { $0 / .milliseconds(1) } == [40, 80, 100, 100, 100, 100])
    }
}
