/// Any clock that measures in `Duration`, behind one concrete type, so that a service can keep the clock it was given
/// in a stored property: production passes `ContinuousClock`, tests a manual clock they advance themselves.
///
/// Its instants are offsets from the moment the clock was wrapped; they compare and subtract like any other
/// instants, but only with instants of the same `AnyClock`.
public struct AnyClock: Clock {
    public struct Instant: InstantProtocol {
        /// Time since the wrapped clock's reading when it was wrapped.
        public var offset: Swift.Duration

        public init(offset: Swift.Duration) { self.offset = offset }
        public func advanced(by duration: Swift.Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Swift.Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
        public static func + (lhs: Instant, rhs: Swift.Duration) -> Instant { lhs.advanced(by: rhs) }
        public static func - (lhs: Instant, rhs: Instant) -> Swift.Duration { rhs.duration(to: lhs) }
    }

    private let elapsed: @Sendable () -> Swift.Duration
    private let sleeper: @Sendable (_ until: Swift.Duration, _ tolerance: Swift.Duration?) async throws -> Void
    public let minimumResolution: Swift.Duration

    public init<Wrapped: Clock>(_ clock: Wrapped) where Wrapped.Duration == Swift.Duration {
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
        sleeper = { offset, tolerance in try await clock.sleep(until: origin.advanced(by: offset), tolerance: tolerance) }
        minimumResolution = clock.minimumResolution
    }

    /// The clock of production: `ContinuousClock` (keeps counting while the machine sleeps).
    public static var continuous: AnyClock { AnyClock(ContinuousClock()) }

    public var now: Instant { Instant(offset: elapsed()) }

    public func sleep(until deadline: Instant, tolerance: Swift.Duration? = nil) async throws {
        try await sleeper(deadline.offset, tolerance)
    }
}
