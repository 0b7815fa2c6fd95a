/// Direct (non-backtracking) evaluation of terms that have at most one value and bind nothing.
///
/// This is the hot path of typical policies: `input.a.b`, rule references, and builtin calls on such terms.
extension Evaluator {
    enum Simple {
        case value(RegoValue)
        case undefined
        case notSimple
    }

    func evalSimple(_ t: CTerm, _ f: Frame) throws -> Simple {
        switch t {
        case .const(let v): return .value(v)
        case .local(let s):
            if let v = f.slots[s] { return .value(v) }
            return .notSimple
        case .input:
            if let i = input { return .value(i) }
            return .undefined
        case .ref(let h, let path):
            var cur: RegoValue
            switch try evalSimple(h, f) {
            case .value(let v): cur = v
            case .undefined: return .undefined
            case .notSimple: return .notSimple
            }
            for p in path {
                let key: RegoValue
                switch p {
                case .const(let c): key = c
                case .local(let s):
                    guard let v = f.slots[s] else { return .notSimple }
                    key = v
                default: return .notSimple
                }
                guard let next = cur[key] else { return .undefined }
                cur = next
            }
            return .value(cur)
        case .data(let ref):
            guard dataOverrides.isEmpty, let node = ref.node, let g = node.valueGroup, g.kind == .complete, node.children.isEmpty else {
                return .notSimple
            }
            // Base documents win over rules at the same path.
            var base: RegoValue? = data
            for s in ref.prefix {
                guard let b = base else { break }
                base = b[.string(s)]
            }
            if base != nil { return .notSimple }
            for i in ref.consumed..<ref.path.count {
                guard case .const = ref.path[i] else { return .notSimple }
            }
            guard var cur = try groupValue(g) else { return .undefined }
            for i in ref.consumed..<ref.path.count {
                guard case .const(let key) = ref.path[i], let next = cur[key] else { return .undefined }
                cur = next
            }
            return .value(cur)
        case .call(let c):
            guard !c.hasOutput, case .builtin(let b) = c.target, functionOverrides.isEmpty else { return .notSimple }
            var args: [RegoValue] = []
            args.reserveCapacity(c.args.count)
            for a in c.args {
                switch try evalSimple(a, f) {
                case .value(let v): args.append(v)
                case .undefined: return .undefined
                case .notSimple: return .notSimple
                }
            }
            if let r = try callBuiltin(b, args, c.location) { return .value(r) }
            return .undefined
        case .array(let ts):
            var out: [RegoValue] = []
            out.reserveCapacity(ts.count)
            for x in ts {
                switch try evalSimple(x, f) {
                case .value(let v): out.append(v)
                case .undefined: return .undefined
                case .notSimple: return .notSimple
                }
            }
            return .value(.array(out))
        case .object(let kvs):
            var out: [RegoValue: RegoValue] = [:]
            out.reserveCapacity(kvs.count)
            for (kt, vt) in kvs {
                let k: RegoValue
                switch try evalSimple(kt, f) {
                case .value(let v): k = v
                case .undefined: return .undefined
                case .notSimple: return .notSimple
                }
                switch try evalSimple(vt, f) {
                case .value(let v): out[k] = v
                case .undefined: return .undefined
                case .notSimple: return .notSimple
                }
            }
            return .value(.object(RegoObject(out)))
        default:
            return .notSimple
        }
    }
}
