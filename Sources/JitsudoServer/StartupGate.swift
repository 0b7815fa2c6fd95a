import Foundation
import Synchronization

/// A one-way latch: closed at first, opened once; ``wait()`` returns when it is open (at once if it already is) or
/// when the waiting task is cancelled. The daemon's background services wait on it so that nothing touches the
/// database before the migrations ran, and the migrations wait until the connection pool runs.
final class StartupGate: Sendable {
    private let state = Mutex<(isOpen: Bool, waiters: [UUID: CheckedContinuation<Void, Never>])>((false, [:]))

    var isOpen: Bool { state.withLock { $0.isOpen } }

    /// Opens the gate and releases every waiter.
    func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.isOpen = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the gate is open, or the task is cancelled (check `Task.isCancelled` after).
    func wait() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.isOpen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
