/// Variable slots of one rule-body, function or query evaluation.
final class Frame {
    var slots: [RegoValue?]

    init(count: Int) {
        slots = [RegoValue?](repeating: nil, count: count)
    }
}

/// Internal signal used to stop a search once one solution is enough (`not`, `every`).
struct Halt: Error {}

/// Cached value of a rule group during one evaluation.
enum CacheSlot {
    case empty
    case undefined
    case value(RegoValue)
}

/// A `with` replacement for a function.
enum FunctionOverride {
    case value(RegoValue)
    case target(CallSite.Target)
}
