public import Foundation

/// Polls `condition` every `interval` until it holds and returns how long that took, or nil once `timeout` has
/// passed. For conditions no event announces (another process's state, an external fake's view): the interval is
/// how often to look, never a wait that stands in for the condition itself.
public func elapsedUntil(
    timeout: Duration, every interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool
) async throws -> Duration? {
    let start = ContinuousClock.now
    while true {
        if try await condition() { return ContinuousClock.now - start }
        guard ContinuousClock.now - start < timeout else { return nil }
        try await Task.sleep(for: interval)
    }
}

/// Polls `condition` until it holds; returns how long that took.
///
/// - Throws: ``TestSupportError`` naming `what` when `timeout` passes first.
@discardableResult
public func waitUntil(
    _ what: String, timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool
) async throws -> Duration {
    guard let elapsed = try await elapsedUntil(timeout: timeout, every: interval, condition) else {
        throw TestSupportError("timed out after \(timeout) waiting until \(what)")
    }
    return elapsed
}

/// The port a child process announces by writing it to `file` (read through `parse`): waits for the file, and fails
/// at once when the process exits first, or after `timeout`.
public func announcedPort(
    in file: String, by process: Process, timeout: Duration = .seconds(30),
    parse: (String) -> Int? = { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
) async throws -> Int {
    var port: Int?
    try await waitUntil("the process announces its port in \(file)", timeout: timeout) {
        port = (try? String(contentsOfFile: file, encoding: .utf8)).flatMap(parse)
        guard port != nil || process.isRunning else { throw TestSupportError("the process exited before announcing its port in \(file)") }
        return port != nil
    }
    return port ?? 0
}
