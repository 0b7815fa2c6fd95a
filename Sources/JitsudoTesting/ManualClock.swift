public import Foundation
import Synchronization

/// A clock that stands still until the test moves it: ``advance(by:)`` wakes every sleep whose deadline it reaches,
/// so a test proves "expires after an hour" by advancing an hour, not by waiting. Its wall-clock reading
/// (``date``, ``now(_:)``) starts at `start` and moves with it.
public final class ManualClock: Clock, Sendable {
    public struct Instant: InstantProtocol {
        public var offset: Swift.Duration

        public func advanced(by duration: Swift.Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Swift.Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
        public static func + (lhs: Instant, rhs: Swift.Duration) -> Instant { lhs.advanced(by: rhs) }
        public static func - (lhs: Instant, rhs: Instant) -> Swift.Duration { rhs.duration(to: lhs) }
    }

    private struct Sleeper {
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var nextID: UInt64 = 0
        /// Sleeps begun whose continuation is not registered yet.
        var starting: Set<UInt64> = []
        var sleepers: [UInt64: Sleeper] = [:]
        /// Every sleep begun, for tests that wait until a component went back to sleep.
        var sleepsBegun = 0
    }

    private let state = Mutex(State())
    /// The wall-clock time at offset zero.
    public let start: Date

    public init(start: Date = Date()) { self.start = start }

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Swift.Duration { .zero }

    /// The wall-clock time: `start` plus how far the clock was advanced.
    public var date: Date {
        let offset = now.offset
        return start.addingTimeInterval(Double(offset.components.seconds) + Double(offset.components.attoseconds) / 1e18)
    }

    /// How many sleeps are waiting for the clock to move.
    public var sleeping: Int { state.withLock { $0.sleepers.count } }

    /// How many sleeps were begun since the clock was made (including those that ended).
    public var sleepsBegun: Int { state.withLock { $0.sleepsBegun } }

    public func sleep(until deadline: Instant, tolerance: Swift.Duration? = nil) async throws {
        let id = state.withLock { state in
            state.nextID += 1
            state.sleepsBegun += 1
            state.starting.insert(state.nextID)
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    guard state.starting.remove(id) != nil else { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let sleeper: Sleeper? = state.withLock { state in
                state.starting.remove(id)
                return state.sleepers.removeValue(forKey: id)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Waits (polling, in real time) until `count` sleeps wait for the clock: the loops that sleep on it have done
    /// their round and are idle.
    public func waitUntilSleeping(_ count: Int, timeout: Swift.Duration = .seconds(30)) async throws {
        try await waitUntil("\(count) loops sleep on the manual clock (now \(sleeping))", timeout: timeout) { sleeping == count }
    }

    /// Advances by `duration` once `loops` loops sleep on the clock, then waits until each loop it woke did its
    /// round and sleeps again: what they do at the new time has been done when this returns.
    public func advanceAndSettle(by duration: Swift.Duration, loops: Int, timeout: Swift.Duration = .seconds(30)) async throws {
        try await waitUntilSleeping(loops, timeout: timeout)
        let begun = sleepsBegun
        let woken = advance(by: duration)
        try await waitUntil("the \(woken) loops woken went round once on the advanced clock", timeout: timeout) {
            sleepsBegun >= begun + woken && sleeping == loops
        }
    }

    /// Moves the clock forward by `duration` and wakes every sleep whose deadline has come; returns how many.
    @discardableResult
    public func advance(by duration: Swift.Duration) -> Int {
        let due: [Sleeper] = state.withLock { state in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            let ids = state.sleepers.filter { $0.value.deadline <= now }.map(\.key)
            return ids.compactMap { state.sleepers.removeValue(forKey: $0) }
        }
        for sleeper in due { sleeper.continuation.resume() }
        return due.count
    }
}
