import NIOCore
import NIOPosix

/// Runs a task's jobs on one NIO event loop (``EventLoopAffineChannel``): a task that prefers it resumes there after
/// each reply instead of waking a thread of the global executor, and a reply read on that loop resumes it with no
/// thread hand-over at all.
final class EventLoopTaskExecutor: TaskExecutor {
    private let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute { job.runSynchronously(on: executor) }
    }

    /// One executor per loop of the group Hummingbird and PostgresNIO share, made once: a task holds its preferred
    /// executor only unowned, so these live as long as the process.
    static let singletonGroup = table(for: MultiThreadedEventLoopGroup.singleton)

    private static func table(for group: any EventLoopGroup) -> [ObjectIdentifier: EventLoopTaskExecutor] {
        var table: [ObjectIdentifier: EventLoopTaskExecutor] = [:]
        for loop in group.makeIterator() { table[ObjectIdentifier(loop)] = EventLoopTaskExecutor(loop) }
        return table
    }
}
