/// Variable scope used while resolving one rule body (slots are shared by the whole frame).
final class Scope {
    let parent: Scope?
    var names: [String: Int] = [:]
    var owned: [Int] = []
    let frame: FrameLayout

    init(parent: Scope?, frame: FrameLayout) {
        self.parent = parent
        self.frame = frame
    }

    func lookup(_ name: String) -> Int? {
        if let s = names[name] { return s }
        return parent?.lookup(name)
    }

    /// Declares `name` in this scope with a fresh slot.
    @discardableResult
    func declare(_ name: String) -> Int {
        let s = frame.allocate(name)
        names[name] = s
        owned.append(s)
        return s
    }

    /// A fresh anonymous slot (for `_`).
    func wildcard() -> Int {
        let s = frame.allocate("_")
        owned.append(s)
        frame.wildcards.insert(s)
        return s
    }
}

/// Slot allocation for one frame.
final class FrameLayout {
    var names: [String] = []
    var wildcards: Set<Int> = []

    func allocate(_ name: String) -> Int {
        names.append(name)
        return names.count - 1
    }
}
