import Synchronization

/// The result of `body`, or nil when it has not finished within `timeout`; `body` is then left running on its own
/// (it must not hold anything the caller needs). Used where a query may hang on a dead connection: such a query does
/// not end when its task is cancelled, and a task group would wait for it. The timer ends as soon as `body` does.
func firstOf<T: Sendable>(timeout: Duration, _ body: @escaping @Sendable () async -> T) async -> T? {
    let slot = ResumeOnce<T?>()
    return await withCheckedContinuation { continuation in
        slot.arm(continuation)
        let timer = Task {
            try? await Task.sleep(for: timeout)
            slot.resume(nil)
        }
        Task {
            slot.resume(await body())
            timer.cancel()
        }
    }
}

/// A continuation resumed by whichever caller comes first.
final class ResumeOnce<T: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<T, Never>?, done: Bool)>((nil, false))

    func arm(_ continuation: CheckedContinuation<T, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    func resume(_ value: T) {
        let continuation: CheckedContinuation<T, Never>? = state.withLock { state in
            guard !state.done, let continuation = state.continuation else { return nil }
            state.done = true
            state.continuation = nil
            return continuation
        }
        continuation?.resume(returning: value)
    }
}
