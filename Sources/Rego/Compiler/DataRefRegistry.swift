import Synchronization

/// Collects the `DataRef`s created while compiling so they can be linked to the document tree.
///
/// Compilation is single-threaded per call; the registry is task-local to keep concurrent compilations apart.
enum DataRefRegistry {
    final class Collector: Sendable {
        private let collected = Mutex<[DataRef]>([])

        func append(_ ref: DataRef) { collected.withLock { $0.append(ref) } }

        var refs: [DataRef] { collected.withLock { $0 } }
    }

    @TaskLocal static var current: Collector?

    static func make(_ path: [CTerm]) -> DataRef {
        let r = DataRef(path)
        current?.append(r)
        return r
    }
}
