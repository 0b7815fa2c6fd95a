import Foundation
import JitsudoStore
import LocalPostgres

/// Stops clusters this process started when it exits.
enum TestPostgresCleanup {
    nonisolated(unsafe) private static var clusters: [PostgresCluster] = []
    private static let lock = NSLock()

    static func register(_ cluster: PostgresCluster) {
        lock.lock()
        defer { lock.unlock() }
        if clusters.isEmpty { atexit { TestPostgresCleanup.stopAll() } }
        clusters.append(cluster)
    }

    static func stopAll() {
        lock.lock()
        let all = clusters
        clusters = []
        lock.unlock()
        for cluster in all { cluster.stop() }
    }
}

/// A failure of the test support itself (not of the code under test).
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
