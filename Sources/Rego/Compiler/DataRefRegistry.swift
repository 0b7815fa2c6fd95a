/// Collects the `DataRef`s created while compiling so they can be linked to the document tree.
///
/// Compilation is single-threaded per call; the registry is task-local to keep concurrent compilations apart.
enum DataRefRegistry {
    final class Collector: @unchecked Sendable {
        var refs: [DataRef] = []
    }

    @TaskLocal static var current: Collector?

    static func make(_ path: [CTerm]) -> DataRef {
        let r = DataRef(path)
        current?.refs.append(r)
        return r
    }
}
