/// Slow-client (slowloris) protection, the pure part: a request head must be complete (`CRLF CRLF` seen) within
/// the deadline of its first byte. Fed the raw bytes of a connection (after TLS); says when to arm and disarm.
struct RequestHeadDeadline: Sendable {
    enum Action: Equatable, Sendable {
        case none
        case arm
        case disarm
    }

    private enum State: Sendable {
        /// Between requests: the next byte starts a head.
        case idle
        /// Reading a head; `tail` holds its last bytes (up to 3) to find a terminator across reads.
        case head(tail: [UInt8])
        /// The head is complete; the body and the response follow. The next response resets to idle.
        case afterHead
    }

    private var state = State.idle

    /// Inbound bytes.
    mutating func received(_ bytes: some Collection<UInt8>) -> Action {
        guard !bytes.isEmpty else { return .none }
        var action = Action.none
        var tail: [UInt8]
        switch state {
        case .afterHead: return .none
        case .idle:
            tail = []
            action = .arm
        case .head(let previous): tail = previous
        }
        for byte in bytes {
            tail.append(byte)
            if tail.count > 4 { tail.removeFirst(tail.count - 4) }
            if tail == [13, 10, 13, 10] {
                state = .afterHead
                return action == .arm ? .none : .disarm
            }
        }
        state = .head(tail: Array(tail.suffix(3)))
        return action
    }

    /// The server wrote (part of) a response: the request was read, the next bytes start a new head.
    mutating func responded() {
        if case .afterHead = state { state = .idle }
    }
}
