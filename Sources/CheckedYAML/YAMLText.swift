import Yams

/// A YAML text read into plain values (`[String: Any]`, `[Any]`, strings, numbers, booleans), as `Yams.load` reads
/// it, after checking the two things that make `Yams.load` kill the process or recurse without bound.
///
/// Why: Yams 6's mapping constructor force-unwraps every key as a string (`String.construct(from:)!`), so a mapping
/// key that is itself a mapping or a list — `? {a: b}` then `: c` — traps. The libFuzzer target `config` found it in a
/// kubeconfig. Every YAML jitsudo reads (jitsudod's settings file, kubeconfigs) goes through ``load(_:)``; `make lint`
/// refuses a plain `Yams.load`.
public enum YAMLText {
    /// Deeper than any settings file or kubeconfig (under 10) and far below what recursion can bear.
    public static let maximumDepth = 64

    /// The value of `text`'s single document; nil for an empty one.
    ///
    /// - Throws: ``YAMLTextError`` for a mapping key that is not a plain value, or nesting deeper than
    ///   ``maximumDepth``; Yams' error for text that is not YAML.
    public static func load(_ text: String) throws -> Any? {
        guard let node = try Yams.compose(yaml: text) else { return nil }
        try check(node, depth: 1)
        return node.any
    }

    private static func check(_ node: Node, depth: Int) throws(YAMLTextError) {
        guard depth <= maximumDepth else { throw YAMLTextError("YAML nested more than \(maximumDepth) levels deep") }
        switch node {
        case .scalar, .alias: return
        case .sequence(let items):
            for item in items { try check(item, depth: depth + 1) }
        case .mapping(let pairs):
            for (key, value) in pairs {
                guard case .scalar = key else {
                    throw YAMLTextError("a mapping key is a mapping or a list (a `?` key); keys must be plain names")
                }
                try check(value, depth: depth + 1)
            }
        }
    }
}

/// YAML that ``YAMLText/load(_:)`` refuses before it is turned into values.
public struct YAMLTextError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
