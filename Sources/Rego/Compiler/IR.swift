/// Resolved term: variables are frame slots, rule references are data paths, builtins are resolved.
indirect enum CTerm: Sendable {
    case const(RegoValue)
    case local(Int)
    case input
    /// `data` followed by path terms.
    case data(DataRef)
    case ref(CTerm, [CTerm])
    case array([CTerm])
    case set([CTerm])
    case object([(CTerm, CTerm)])
    case call(CallSite)
    /// Comprehensions carry the slots their own scope owns (`locals`).
    case arrayCompr(CTerm, [CExpr], locals: [Int])
    case setCompr(CTerm, [CExpr], locals: [Int])
    case objectCompr(CTerm, CTerm, [CExpr], locals: [Int])

    var isConst: Bool {
        if case .const = self { return true }
        return false
    }
}

/// A resolved call: builtin or user function, with its override key for `with`.
final class CallSite: Sendable {
    enum Target: Sendable {
        case builtin(Builtin)
        case function([String])
    }

    let target: Target
    let args: [CTerm]
    let location: SourceLocation
    /// Name used by `with` replacement (`count` or `data.pkg.f`).
    let overrideKey: String
    /// True when the last argument receives the result (`count(x, n)`).
    let hasOutput: Bool

    init(target: Target, args: [CTerm], location: SourceLocation, overrideKey: String, hasOutput: Bool) {
        self.hasOutput = hasOutput
        self.target = target
        self.args = args
        self.location = location
        self.overrideKey = overrideKey
    }
}

/// A resolved `with` modifier.
struct CWith: Sendable {
    enum Target: Sendable {
        case input([String])
        case data([String])
        case function(String)
    }

    let target: Target
    let value: CTerm
    /// When the value names a function, its call target.
    let replacement: CallSite.Target?
}

/// A resolved body expression (a class so evaluation passes it by reference).
final class CExpr: Sendable {
    indirect enum Kind: Sendable {
        case term(CTerm)
        case unify(CTerm, CTerm)
        case not(CExpr)
        case noop
        case someIn(key: CTerm?, value: CTerm, collection: CTerm)
        case every(key: CTerm?, value: CTerm, domain: CTerm, body: [CExpr], locals: [Int])
    }

    let kind: Kind
    let with: [CWith]
    let location: SourceLocation

    init(kind: Kind, with: [CWith], location: SourceLocation) {
        self.kind = kind
        self.with = with
        self.location = location
    }
}

/// One compiled rule definition.
final class CRule: Sendable {
    let args: [CTerm]
    /// Key path terms after the group path (multi-value rules), or the set member.
    let keys: [CTerm]
    let value: CTerm
    let body: [CExpr]
    let elseBranches: [(value: CTerm, body: [CExpr])]
    let slotCount: Int
    let location: SourceLocation
    /// For `p[x] contains y`: the last key is a set member under the preceding keys.
    let setLeaf: Bool

    init(
        args: [CTerm], keys: [CTerm], value: CTerm, body: [CExpr], elseBranches: [(value: CTerm, body: [CExpr])], slotCount: Int,
        location: SourceLocation, setLeaf: Bool = false
    ) {
        self.setLeaf = setLeaf
        self.args = args
        self.keys = keys
        self.value = value
        self.body = body
        self.elseBranches = elseBranches
        self.slotCount = slotCount
        self.location = location
    }
}

/// All definitions at one data path.
final class RuleGroup: Sendable {
    enum Kind: Sendable { case complete, multiSet, multiObject, function }

    let id: Int
    let path: [String]
    let kind: Kind
    let rules: [CRule]
    let defaultValue: CRule?

    init(id: Int, path: [String], kind: Kind, rules: [CRule], defaultValue: CRule?) {
        self.id = id
        self.path = path
        self.kind = kind
        self.rules = rules
        self.defaultValue = defaultValue
    }
}

/// A node of the virtual document tree.
final class DataNode: Sendable {
    let children: [String: DataNode]
    let groups: [RuleGroup]

    init(children: [String: DataNode], groups: [RuleGroup]) {
        self.children = children
        self.groups = groups
    }

    var valueGroup: RuleGroup? { groups.first { $0.kind != .function } }
    var functionGroup: RuleGroup? { groups.first { $0.kind == .function } }
}

/// A reference into `data`; `node` is filled in after linking when the path starts with constant keys.
///
/// The one `@unchecked Sendable` left in the engine, and why: a reference is created while its rule is compiled, but
/// what it points at (the document tree) exists only once every rule is compiled, so it is linked afterwards — by the
/// compiling task, before the policy set is returned and shared. After that nothing writes it. Building the tree
/// first is impossible (the tree is made of the compiled rules), and a lock or a table lookup on every `data`
/// reference would tax each evaluation for a write that happens once.
final class DataRef: @unchecked Sendable {
    let path: [CTerm]
    /// Deepest tree node reached by the constant prefix of `path` (set once during linking, then immutable).
    var node: DataNode?
    /// Number of path terms consumed to reach `node`.
    var consumed = 0
    /// The constant prefix consumed, as strings.
    var prefix: [String] = []

    init(_ path: [CTerm]) { self.path = path }

    /// Resolves `node` against the tree; called once before the policy set is shared.
    func link(_ root: DataNode) {
        var n = root
        var i = 0
        var p: [String] = []
        while i < path.count, case .const(.string(let s)) = path[i], let child = n.children[s] {
            n = child
            p.append(s)
            i += 1
            if n.valueGroup != nil { break }
        }
        node = n
        consumed = i
        prefix = p
    }
}
