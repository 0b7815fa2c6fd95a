/// A Rego source module to compile.
public struct RegoModule: Sendable {
    /// File name used in error locations (e.g. `eligibility.rego`).
    public let name: String
    /// Rego source text.
    public let source: String

    /// Creates a module.
    public init(name: String, source: String) {
        self.name = name
        self.source = source
    }
}

/// Compiles Rego modules into an immutable, thread-safe `RegoPolicySet`.
public enum RegoCompiler {
    /// Compilation settings.
    public struct Options: Sendable {
        /// Additional builtins (e.g. a test runner's `test.sleep`), resolved like the standard ones.
        public var extraBuiltins: [Builtin]
        /// Maximum syntactic nesting depth accepted by the parser.
        public var maxNesting: Int

        /// Creates options.
        public init(extraBuiltins: [Builtin] = [], maxNesting: Int = 500) {
            self.extraBuiltins = extraBuiltins
            self.maxNesting = maxNesting
        }
    }

    /// Names of builtins removed in Rego v1; calling them is a compile error.
    static let removedBuiltins: Set<String> = [
        "any", "all", "re_match", "set_diff", "cast_array", "cast_set", "cast_string", "cast_boolean", "cast_null",
        "cast_object", "net.cidr_overlap",
    ]

    /// Parses and compiles `modules`.
    ///
    /// - Throws: `RegoError` with `rego_parse_error`, `rego_compile_error`, `rego_unsafe_var_error`,
    ///   `rego_recursion_error` or `rego_type_error` and the location of the problem.
    public static func compile(_ modules: [RegoModule], options: Options = Options()) throws -> RegoPolicySet {
        var asts: [ModuleAST] = []
        for m in modules {
            var p = try Parser(file: m.name, source: m.source, maxDepth: options.maxNesting)
            asts.append(try p.parseModule())
        }
        var builtins = BuiltinRegistry.standard
        for b in options.extraBuiltins { builtins[b.name] = b }
        for r in removedBuiltins { builtins[r] = nil }
        let collector = DataRefRegistry.Collector()
        let set = try DataRefRegistry.$current.withValue(collector) { try ModuleLinker(modules: asts, builtins: builtins).link() }
        for r in collector.refs { r.link(set.root) }
        return set
    }
}
