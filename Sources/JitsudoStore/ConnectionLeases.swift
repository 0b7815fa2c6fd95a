import Synchronization

/// Which of ``DatabaseConnections``' clients are leased, and the leases waiting, first come first served, for one to
/// come back: a lease takes the first client not leased, and while all are it takes whichever is given back first, so
/// it never queues behind one long transaction.
///
/// The first free one, whatever its event loop: preferring a client on the caller's event loop saved a thread
/// hand-over per reply but doubled the create → ACTIVE p99 at 16 connections (58–73 ms against 31–35 ms), as the
/// callers of one loop crowded its clients.
final class ConnectionLeases: Sendable {
    private struct State {
        var leased: [Bool]
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Int, any Error>)] = []
        /// Leases told to wait and not yet queued, and those of them cancelled meanwhile.
        var registering: Set<UInt64> = []
        var cancelled: Set<UInt64> = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    /// Leases waiting for a connection.
    var waiting: Int { state.withLock { $0.waiters.count } }

    init(count: Int) {
        state = Mutex(State(leased: Array(repeating: false, count: count)))
    }

    /// A client's index, leased to the caller until ``release(_:)``; waits while all are leased.
    ///
    /// - Throws: `CancellationError` when the task is cancelled while it waits.
    func lease() async throws -> Int {
        let (free, id): (Int?, UInt64) = state.withLock { state in
            if let index = Self.takeFree(&state) { return (index, 0) }
            state.nextID &+= 1
            state.registering.insert(state.nextID)
            return (nil, state.nextID)
        }
        if let free { return free }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let outcome: Result<Int, any Error>? = state.withLock { state in
                    state.registering.remove(id)
                    if state.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if let index = Self.takeFree(&state) { return .success(index) }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiting = state.withLock { state -> CheckedContinuation<Int, any Error>? in
                guard let position = state.waiters.firstIndex(where: { $0.id == id }) else {
                    // Not queued yet: the lease sees this when it queues. Already given a connection: nothing to do.
                    if state.registering.contains(id) { state.cancelled.insert(id) }
                    return nil
                }
                return state.waiters.remove(at: position).continuation
            }
            waiting?.resume(throwing: CancellationError())
        }
    }

    /// Gives client `index` back: to the longest-waiting lease, else to the idle ones.
    func release(_ index: Int) {
        let next = state.withLock { state -> CheckedContinuation<Int, any Error>? in
            guard !state.waiters.isEmpty else {
                state.leased[index] = false
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume(returning: index)
    }

    /// Marks the first client not leased as leased and returns it; nil when all are.
    private static func takeFree(_ state: inout State) -> Int? {
        guard let index = state.leased.firstIndex(of: false) else { return nil }
        state.leased[index] = true
        return index
    }
}
