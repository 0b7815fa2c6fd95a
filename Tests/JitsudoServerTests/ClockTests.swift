import Foundation
import JitsudoCore
import JitsudoTesting
import Testing

/// The test clock and the wake signal the paced loops wait on: events and a clock the test moves, no real time.
@Suite struct ClockTests {
    @Test func aSleepOnTheManualClockEndsWhenTheClockReachesItsDeadlineAndNotBefore() async throws {
        let clock = ManualClock()
        let sleeper = Task { try await clock.sleep(for: .seconds(10)) }
        try await clock.waitUntilSleeping(1)
        clock.advance(by: .seconds(9))
        #expect(clock.sleeping == 1, "still asleep one second before its deadline")
        clock.advance(by: .seconds(1))
        #expect(clock.sleeping == 0)
        try await sleeper.value
        #expect(clock.date.timeIntervalSince(clock.start) == 10)
    }

    @Test func cancellingASleepOnTheManualClockEndsItWithCancellationError() async throws {
        let clock = ManualClock()
        let sleeper = Task { try await clock.sleep(for: .seconds(3600)) }
        try await clock.waitUntilSleeping(1)
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleeping == 0)
    }

    @Test func anyClockKeepsTheWrappedClocksTime() async throws {
        let manual = ManualClock()
        let clock = AnyClock(manual)
        let start = clock.now
        let sleeper = Task { try await clock.sleep(until: start + .seconds(5)) }
        try await manual.waitUntilSleeping(1)
        manual.advance(by: .seconds(5))
        try await sleeper.value
        #expect(clock.now - start == .seconds(5))
    }

    @Test func aWakeSignalKeepsASignalSentBeforeTheWaitAndWakesAWaiterBeforeItsDeadline() async throws {
        let signal = WakeSignal()
        signal.signal()
        await signal.wait()  // returns at once: signalled before
        let clock = ManualClock()
        let waiter = Task { await signal.wait(until: clock.now + .seconds(60), on: clock) }
        try await clock.waitUntilSleeping(1)
        signal.signal()
        await waiter.value
        #expect(clock.sleeping == 0, "the deadline's sleep ended with the wait")
    }

    @Test func aWakeSignalWaitEndsAtItsDeadlineOnTheClock() async throws {
        let signal = WakeSignal()
        let clock = ManualClock()
        let waiter = Task { await signal.wait(until: clock.now + .seconds(60), on: clock) }
        try await clock.waitUntilSleeping(1)
        clock.advance(by: .seconds(60))
        await waiter.value
        signal.signal()
        await signal.wait()  // the signal after the deadline is kept for the next wait
    }
}
