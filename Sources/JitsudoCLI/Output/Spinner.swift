import Synchronization

/// A one-character spinner on stderr, only drawn when stderr is a terminal.
final class Spinner: Sendable {
    private let enabled: Bool
    private let frame = Atomic<Int>(0)
    private static let frames: [Character] = ["|", "/", "-", "\\"]

    init(enabled: Bool) { self.enabled = enabled }

    func tick() {
        guard enabled else { return }
        let index = frame.add(1, ordering: .relaxed).newValue
        Console.errorRaw("\r\(Self.frames[index % Self.frames.count]) ")
    }

    func clear() {
        guard enabled else { return }
        Console.errorRaw("\r  \r")
    }
}
